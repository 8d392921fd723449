namespace Platform.IntegrationTests.Dashboard;

/// <summary><c>dotnet run --project AppHost</c> as a developer runs it: it prints its login link and its ready line, and SIGTERM stops all of it.</summary>
[Collection("apphost-run")]
[Trait("Category", "dashboard")]
public sealed class AppHostRunTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_to_dotnet_run_leaves_no_process_of_the_run_behind()
    {
        // The whole graph, 38 resources on what may be two busy cores: about 2 minutes here, past 3 on the landing machine.
        // What this test asks is that SIGTERM leaves nothing behind, so its start gets room.
        await using var appHost = await AppHostProcess.StartAsync([], TimeSpan.FromMinutes(6));
        Assert.StartsWith(appHost.DashboardUrl.ToString().TrimEnd('/'), await appHost.LoginUrl, StringComparison.Ordinal);
        output.WriteLine(string.Join(Environment.NewLine, appHost.Output.Where(l => l.Contains(" ready in ", StringComparison.Ordinal))));

        var (processes, elapsed, left) = await appHost.StopAsync(signal: 15, TimeSpan.FromSeconds(60));

        output.WriteLine($"SIGTERM to dotnet run: {processes} processes of the run, all gone after {elapsed.TotalSeconds:0.0} s");
        Assert.True(processes >= 12, $"found only {processes} processes of the run");
        Assert.Empty(left);
    }
}
