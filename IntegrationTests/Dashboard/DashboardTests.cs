using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// The real Aspire dashboard in a real browser (Debian's chromium through Playwright) against the graph
/// <c>dotnet run --project AppHost</c> started: what a developer sees. Each test leaves a screenshot under artifacts/screenshots/.
/// </summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "dashboard")]
public sealed class DashboardTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveTextOptions Patiently = new() { Timeout = 60_000 };

    /// <summary>"Running" and healthy (not "Running (Unhealthy)"), maybe with the count of error logs the dashboard badges next to it.</summary>
    private static readonly Regex Running = new(@"^\s*Running(\s+\d+)?\s*$");

    /// <summary>An edge's state text, as the dashboard capitalises it.</summary>
    private static readonly Regex NoFault = new(@"^\s*[Nn]o fault\s*$");

    [Fact]
    public async Task Signing_in_with_the_printed_link_lists_every_resource_running()
    {
        var page = await fixture.OpenAsync();
        foreach (var single in new[] { "postgres", "authdb", "usersdb", "workspacesdb", "cache", "messaging", "kafka", "auth", "gateway" })
        {
            await Expect(DashboardFixture.Row(page, single).Locator(".state-column-cell")).ToHaveTextAsync(Running, Patiently);
        }

        foreach (var replicated in new[] { "users", "workspaces" })
        {
            var replicas = DashboardFixture.Row(page, $"{replicated}-[a-z0-9]{{8}}");
            await Expect(replicas).ToHaveCountAsync(2, new LocatorAssertionsToHaveCountOptions { Timeout = 60_000 });
            await Expect(replicas.Nth(0).Locator(".state-column-cell")).ToHaveTextAsync(Running, Patiently);
            await Expect(replicas.Nth(1).Locator(".state-column-cell")).ToHaveTextAsync(Running, Patiently);
        }

        await Expect(DashboardFixture.Row(page, "edge-workspaces-to-postgres").Locator(".state-column-cell")).ToHaveTextAsync(NoFault, Patiently);
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "resources")}");
        output.WriteLine($"the AppHost printed: {string.Join(" | ", fixture.AppHost.Output.Where(l => l.Contains("Login to the dashboard", StringComparison.Ordinal) || l.Contains(" ready in ", StringComparison.Ordinal)))}");
    }

    [Fact]
    public async Task A_registration_is_one_trace_across_gateway_auth_users_and_workspaces()
    {
        using var register = await fixture.Gateway.PostAsJsonAsync("/api/auth/register", new { email = PlatformClient.NewEmail(), password = "correct horse battery staple", displayName = "Traced" });
        Assert.Equal(HttpStatusCode.Accepted, register.StatusCode);
        var location = register.Headers.Location!;
        await Eventually.ReturnsAsync(
            async () => (await fixture.Gateway.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString(),
            status => status == "completed", TimeSpan.FromSeconds(60), "the registration completes");

        var page = await fixture.OpenAsync("/traces");
        // The gateway's span is named after its route (POST /api/auth/{**rest}); the filter leaves out the rest of the traffic.
        await page.Locator("fluent-text-input[name='traces-search'] input").FillAsync("POST /api/auth");
        var trace = page.Locator("tr.fluent-data-grid-row").Filter(new LocatorFilterOptions { HasText = "POST /api/auth" })
            .Filter(new LocatorFilterOptions { Has = page.Locator(".trace-service-tag", new PageLocatorOptions { HasText = "users" }) })
            .Filter(new LocatorFilterOptions { Has = page.Locator(".trace-service-tag", new PageLocatorOptions { HasText = "workspaces" }) });
        // Telemetry arrives in batches: reload until the saga's spans have been exported.
        try
        {
            await Eventually.ReturnsAsync(
                async () =>
                {
                    await page.ReloadAsync();
                    await page.Locator("fluent-text-input[name='traces-search'] input").FillAsync("POST /api/auth");
                    try
                    {
                        // The header row is a grid row too: wait for the trace's own row, not for the first row.
                        await trace.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                    }
                    catch (PlaywrightException)
                    {
                        // not exported yet: reload and look again
                    }

                    return await trace.CountAsync();
                },
                count => count > 0, TimeSpan.FromSeconds(60), "the registration's trace lists users and workspaces");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "traces-not-found")}");
            output.WriteLine(string.Join(Environment.NewLine, await page.Locator("tr.fluent-data-grid-row").AllInnerTextsAsync()));
            throw;
        }

        // The grid re-renders as telemetry arrives: assertions that retry, not a one-off read of the row.
        foreach (var service in new[] { "gateway", "auth", "users", "workspaces" })
        {
            await Expect(trace.First.Locator(".trace-service-tag", new LocatorLocatorOptions { HasText = service })).Not.ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 30_000 });
        }

        output.WriteLine($"trace resources: {string.Join(", ", await trace.First.Locator(".trace-service-tag").AllTextContentsAsync())}");

        // A click while the grid re-renders can land on a row being replaced: click again until the detail page opens.
        await Eventually.ReturnsAsync(
            async () =>
            {
                await trace.First.ClickAsync();
                try
                {
                    await page.WaitForURLAsync("**/traces/detail/**", new PageWaitForURLOptions { Timeout = 5_000, WaitUntil = WaitUntilState.Commit });
                    return true;
                }
                catch (Exception e) when (e is PlaywrightException or TimeoutException)
                {
                    return false;
                }
            },
            opened => opened, TimeSpan.FromSeconds(60), "the trace's detail page opens");
        await Expect(page.Locator("table.trace-view-grid")).ToContainTextAsync("workspaces", new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "registration-trace")}");
    }

    [Fact]
    public async Task A_services_console_log_streams_into_the_dashboard()
    {
        var page = await fixture.OpenAsync("/consolelogs/resource/auth");
        // The log view renders only the lines in sight and follows the tail; the dashboard's filter keeps the start-up line in view.
        await page.Locator("fluent-text-input[name='console-logs-search'] input").FillAsync("Now listening on");
        await Expect(page.Locator(".log-content").Filter(new LocatorFilterOptions { HasText = "Now listening on" })).Not.ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 60_000 });
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "console-logs")}");
    }

    [Fact]
    public async Task An_edge_fault_is_set_and_cleared_through_a_resource_command()
    {
        using var control = new HttpClient { BaseAddress = fixture.AppHost.ChaosControlUrl };
        var page = await fixture.OpenAsync();
        var edge = DashboardFixture.Row(page, "edge-workspaces-to-postgres");
        await Expect(edge.Locator(".state-column-cell")).ToHaveTextAsync(NoFault, Patiently);

        await RunCommandAsync(page, edge, "Partition (blackhole)");
        await Expect(edge.Locator(".state-column-cell")).ToContainTextAsync("blackhole", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        Assert.True(await IsActiveAsync(control, "workspaces->postgres"));
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "edge-fault-set")}");

        await RunCommandAsync(page, edge, "Clear faults");
        await Expect(edge.Locator(".state-column-cell")).ToHaveTextAsync(NoFault, Patiently);
        Assert.False(await IsActiveAsync(control, "workspaces->postgres"));
    }

    private static async Task RunCommandAsync(IPage page, ILocator row, string command)
    {
        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Actions" }).ClickAsync();
        var item = page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = command });
        await item.WaitForAsync();
        await item.ClickAsync();
    }

    private static async Task<bool> IsActiveAsync(HttpClient control, string edge)
    {
        var edges = await control.GetFromJsonAsync<JsonElement>("/edges");
        return edges.GetProperty("edges").EnumerateArray().Single(e => e.GetProperty("edge").GetString() == edge).GetProperty("active").GetBoolean();
    }
}
