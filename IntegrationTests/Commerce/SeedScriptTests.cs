using System.Diagnostics;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>
/// Seed 002's own scripts (SeedScripts/: copied from the seed plan unchanged) run against the graph's gateway, the base
/// URL being the one thing changed: curl and jq for the shell ones, Debian's python3 with python3-requests for the
/// others (./platform test installs them). A script passes when it exits 0, prints every line of success it has, and
/// no line of failure.
/// </summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class SeedScriptTests(CommerceFixture commerce, ITestOutputHelper output)
{
    public static TheoryData<string, string[]> Scripts => new()
    {
        { "test_product_query.sh", ["✓ Product query successful", "✓ Inventory data present", "✓ Pricing data present"] },
        { "test_checkout_flow.py", ["✓ Successful checkout", "✓ Correctly handled insufficient stock"] },
        { "test_bulk_operations.sh", ["✓ Bulk check returned 8 results"] },
        { "test_async_processing.py", ["✓ Report generated successfully"] },
        { "test_correlation_tracking.py", ["✓ Correlation ID preserved"] },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task The_seed_script_passes_against_the_gateway(string script, string[] successes)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Commerce", "SeedScripts", script), TestContext.Current.CancellationToken);
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}-{script}");
        await File.WriteAllTextAsync(path, text.Replace("http://localhost:8000", commerce.Gateway.BaseAddress!.ToString().TrimEnd('/'), StringComparison.Ordinal), TestContext.Current.CancellationToken);
        try
        {
            var start = new ProcessStartInfo(script.EndsWith(".py", StringComparison.Ordinal) ? "/usr/bin/python3" : "bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(path);
            using var run = Process.Start(start)!;
            var stdout = run.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = run.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await run.WaitForExitAsync(deadline.Token);
            var printed = await stdout + await stderr;
            output.WriteLine(printed);

            Assert.True(run.ExitCode == 0, $"{script} exited with {run.ExitCode}");
            Assert.All(successes, line => Assert.Contains(line, printed, StringComparison.Ordinal));
            Assert.DoesNotContain("✗", printed, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
