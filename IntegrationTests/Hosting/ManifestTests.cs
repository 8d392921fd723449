using System.Diagnostics;
using System.Reflection;
using System.Text.Json;

namespace Platform.IntegrationTests.Hosting;

/// <summary>The azd manifest the AppHost publishes: what a cloud deployment of the graph would run.</summary>
[Trait("Category", "smoke")]
public sealed class ManifestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_manifest_has_a_container_for_every_server_and_a_project_for_every_service_with_its_references()
    {
        var path = Path.Combine(Path.GetTempPath(), $"manifest-{Guid.NewGuid():N}.json");
        var configuration = typeof(ManifestTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "run", "--project", Projects.AppHost.ProjectPath, "--no-build", "-c", configuration, "--", "--publisher", "manifest", "--output-path", path })
        {
            start.ArgumentList.Add(argument);
        }

        using (var publish = Process.Start(start)!)
        {
            var log = publish.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = publish.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await publish.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(publish.ExitCode == 0, await log + await errors);
        }

        output.WriteLine($"manifest written in {clock.Elapsed.TotalSeconds:0.0} s");
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        File.Delete(path);
        var resources = manifest.RootElement.GetProperty("resources");
        string TypeOf(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;

        foreach (var (server, image) in new[] { ("postgres", "postgres"), ("cache", "redis"), ("messaging", "rabbitmq"), ("kafka", "confluent-local") })
        {
            Assert.Equal("container.v0", TypeOf(server));
            Assert.Contains(image, resources.GetProperty(server).GetProperty("image").GetString(), StringComparison.Ordinal);
            Assert.True(resources.GetProperty(server).TryGetProperty("bindings", out _), $"{server} has bindings");
            Assert.False(string.IsNullOrEmpty(resources.GetProperty(server).GetProperty("connectionString").GetString()), $"{server} has a connection string");
        }

        foreach (var database in new[] { "authdb", "usersdb", "workspacesdb", "catalogdb", "inventorydb", "pricingdb", "storagedb", "querydb" })
        {
            Assert.Contains("{postgres.connectionString}", resources.GetProperty(database).GetProperty("connectionString").GetString(), StringComparison.Ordinal);
        }

        var references = new Dictionary<string, string[]>
        {
            ["auth"] = ["ConnectionStrings__authdb", "ConnectionStrings__cache", "ConnectionStrings__messaging"],
            ["users"] = ["ConnectionStrings__usersdb", "ConnectionStrings__cache", "ConnectionStrings__messaging", "ConnectionStrings__kafka", "services__auth__http__0"],
            ["workspaces"] = ["ConnectionStrings__workspacesdb", "ConnectionStrings__cache", "ConnectionStrings__messaging", "ConnectionStrings__kafka", "services__auth__http__0"],
            ["inventory"] = ["ConnectionStrings__inventorydb"],
            ["pricing"] = ["ConnectionStrings__pricingdb"],
            ["catalog"] = ["ConnectionStrings__catalogdb", "services__inventory__http__0", "services__pricing__http__0"],
            ["query-catalog"] = ["ConnectionStrings__querydb", "ConnectionStrings__cache", "services__auth__http__0"],
            ["query"] = ["services__query-catalog__http__0", "ConnectionStrings__cache", "services__auth__http__0", "services__nodes-0__http__0", "services__nodes-1__http__0", "services__nodes-2__http__0"],
            ["nodes-0"] = ["QueryNode__DataDirectory", "ConnectionStrings__cache", "services__auth__http__0"],
            ["gateway"] = ["ConnectionStrings__cache", "services__auth__http__0", "services__users__http__0", "services__workspaces__http__0", "services__catalog__http__0", "services__query__http__0"],
        };
        foreach (var (service, variables) in references)
        {
            Assert.Equal("project.v0", TypeOf(service));
            var resource = resources.GetProperty(service);
            Assert.True(resource.GetProperty("bindings").TryGetProperty("http", out _), $"{service} binds http");
            var env = resource.GetProperty("env");
            Assert.All(variables, variable => Assert.True(env.TryGetProperty(variable, out _), $"{service} gets {variable}"));
        }

        Assert.True(resources.GetProperty("query").GetProperty("bindings").TryGetProperty("pg", out var pg), "query binds the PostgreSQL endpoint");
        Assert.Equal("tcp", pg.GetProperty("scheme").GetString());
        Assert.DoesNotContain(resources.EnumerateObject(), r => r.Value.GetProperty("type").GetString() == "executable.v0");
    }
}
