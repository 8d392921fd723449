using System.Diagnostics;
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

    /// <summary>"Running" and healthy (not "Running (Unhealthy)"), maybe with the count of error logs the dashboard badges next to it ("3", or "9+" past nine).</summary>
    private static readonly Regex Running = new(@"^\s*Running(\s+\d+\+?)?\s*$");

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
        // The test starts the trace itself (W3C traceparent), so it can find exactly this registration's trace among the rest.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { email = PlatformClient.NewEmail(), password = "correct horse battery staple", displayName = "Traced" }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        using var register = await fixture.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, register.StatusCode);
        var location = register.Headers.Location!;
        await Eventually.ReturnsAsync(
            async () => (await fixture.Gateway.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString(),
            status => status == "completed", TimeSpan.FromSeconds(60), "the registration completes");

        // The traces list, filtered by the gateway's span name; the row is the one that shows the trace's id (its first seven digits).
        var page = await fixture.OpenAsync("/traces");
        var row = page.Locator("tr.fluent-data-grid-row").Filter(new LocatorFilterOptions { HasText = traceId[..7] });
        string[] services = ["gateway", "auth", "users", "workspaces"];
        IReadOnlyList<string> tags = [];
        try
        {
            // Telemetry arrives in batches: reload until the saga's spans have been exported.
            tags = await Eventually.ReturnsAsync<IReadOnlyList<string>>(
                async () =>
                {
                    await page.ReloadAsync();
                    await page.Locator("fluent-text-input[name='traces-search'] input").FillAsync("POST /api/auth");
                    try
                    {
                        await row.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                        return await row.First.Locator(".trace-service-tag").AllTextContentsAsync();
                    }
                    catch (PlaywrightException)
                    {
                        return []; // not exported yet, or the grid re-rendered under us: reload and look again
                    }
                },
                found => services.All(service => found.Any(tag => tag.Contains(service, StringComparison.Ordinal))),
                TimeSpan.FromSeconds(90), "the registration's trace lists gateway, auth, users and workspaces");
        }
        catch (TimeoutException)
        {
            output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "traces-not-found")}");
            output.WriteLine(string.Join(Environment.NewLine, await page.Locator("tr.fluent-data-grid-row").AllInnerTextsAsync()));
            throw;
        }

        output.WriteLine($"trace resources: {string.Join(", ", tags)}");

        // The trace's own page (where a click on the row leads) shows every service's spans.
        var detail = await fixture.OpenAsync($"/traces/detail/{traceId}");
        foreach (var service in services)
        {
            await Expect(detail.Locator("table.trace-view-grid")).ToContainTextAsync(service, new LocatorAssertionsToContainTextOptions { Timeout = 60_000 });
        }

        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(detail, "registration-trace")}");
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
        try
        {
            await RunCommandAsync(page, edge, "Partition (blackhole)", new Regex("blackhole"));
            Assert.True(await IsActiveAsync(control, "workspaces->postgres"));
            output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "edge-fault-set")}");

            await RunCommandAsync(page, edge, "Clear faults", NoFault);
            Assert.False(await IsActiveAsync(control, "workspaces->postgres"));
        }
        finally
        {
            // Whatever happened above, the partition must not outlive this test: the tests after it need workspaces' database.
            using var clear = await control.DeleteAsync("/edges/workspaces-%3Epostgres");
        }
    }

    /// <summary>
    /// Runs a resource command from its row's menu until the row's state shows it took effect: a click can land while
    /// the grid re-renders (the resource list updates as states change), and then the menu item is not the one clicked.
    /// </summary>
    private static async Task RunCommandAsync(IPage page, ILocator row, string command, Regex shows) => await Eventually.ReturnsAsync(
        async () =>
        {
            try
            {
                await page.Keyboard.PressAsync("Escape"); // a menu left open by an earlier attempt
                await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Actions" }).ClickAsync(new LocatorClickOptions { Timeout = 10_000 });
                await page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = command }).ClickAsync(new LocatorClickOptions { Timeout = 10_000 });
                await Expect(row.Locator(".state-column-cell")).ToHaveTextAsync(shows, new LocatorAssertionsToHaveTextOptions { Timeout = 10_000 });
                return true;
            }
            catch (PlaywrightException)
            {
                return false; // the grid moved under the click, or the state did not change: try again
            }
        },
        took => took, TimeSpan.FromSeconds(90), $"the command '{command}' takes effect");

    private static async Task<bool> IsActiveAsync(HttpClient control, string edge)
    {
        var edges = await control.GetFromJsonAsync<JsonElement>("/edges");
        return edges.GetProperty("edges").EnumerateArray().Single(e => e.GetProperty("edge").GetString() == edge).GetProperty("active").GetBoolean();
    }
}
