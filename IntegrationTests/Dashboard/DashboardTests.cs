using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Platform.Hosting.Chaos;
using Platform.Hosting.Testing;
using Platform.Hosting.Orchestration;
using static Microsoft.Playwright.Assertions;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright) against the real graph: what a developer
/// sees after <c>./platform run</c>. Each test leaves a screenshot under artifacts/screenshots/.
/// </summary>
[Collection(DashboardCollection.Name)]
[Trait("Category", "dashboard")]
public sealed class DashboardTests(DashboardFixture fixture, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveTextOptions Patiently = new() { Timeout = 60_000 };

    [Fact]
    public void The_resource_list_showed_the_resources_turning_healthy_while_the_graph_started()
    {
        // The fixture watched the page from the moment the dashboard was up until the graph had started.
        foreach (var (resource, states) in fixture.StartupStates.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{resource,-14} {string.Join(" -> ", states)}");
        }

        Assert.Equal(fixture.App.Instances.Select(i => i.Name).Order(StringComparer.Ordinal), fixture.StartupStates.Keys.Order(StringComparer.Ordinal));
        Assert.Contains(fixture.StartupStates.Values, states => states.Count >= 2 && states[0] != "healthy" && states[^1] == "healthy");
        Assert.All(fixture.StartupStates.Values.Where(states => states[0] != "healthy"), states => Assert.DoesNotContain(states, s => s is "exited" or "failedtostart"));
        output.WriteLine($"screenshot mid-start: {Artifacts.PathFor("screenshots", "resources-starting.png")}");
    }

    [Fact]
    public async Task The_resource_list_shows_every_resource_healthy_with_its_environment_masked()
    {
        var page = await fixture.Browser.NewPageAsync();
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(fixture.Dashboard.Url);
        await page.Locator("#resource-rows tr").First.WaitForAsync();
        var listed = clock.Elapsed;
        var timing = await page.EvaluateAsync<double[]>(
            "(() => { const n = performance.getEntriesByType('navigation')[0]; return [n.responseEnd - n.startTime, n.domContentLoadedEventEnd - n.startTime, n.loadEventEnd - n.startTime]; })()");
        output.WriteLine($"dashboard page: response {timing[0]:0.0} ms, DOMContentLoaded {timing[1]:0.0} ms, load {timing[2]:0.0} ms, resources listed {listed.TotalMilliseconds:0} ms after navigation began");

        foreach (var instance in fixture.App.Instances)
        {
            await Expect(page.Locator($"tr[data-resource='{instance.Name}'] .state")).ToHaveTextAsync("healthy", Patiently);
        }

        Assert.Equal(fixture.App.Instances.Count, await page.Locator("#resource-rows tr").CountAsync());
        await Expect(page.Locator("tr[data-resource='users-1']")).ToContainTextAsync("2 of 2");
        await Expect(page.Locator("tr[data-resource='gateway'] a")).ToHaveAttributeAsync("href", fixture.App.GetEndpoint("gateway").ToString().TrimEnd('/'));

        await page.ClickAsync("tr[data-resource='auth'] button[data-command='environment']");
        var environment = page.Locator("#environment-rows");
        await Expect(environment).ToContainTextAsync("ConnectionStrings__authdb");
        var connection = new Npgsql.NpgsqlConnectionStringBuilder(await fixture.App.GetConnectionStringAsync("authdb"));
        Assert.False(string.IsNullOrEmpty(connection.Password));
        await Expect(environment).ToContainTextAsync("Password=***");
        await Expect(environment).Not.ToContainTextAsync(connection.Password!);
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "resources")}");
    }

    [Fact]
    public async Task A_login_through_the_gateway_is_one_trace_spanning_gateway_and_auth()
    {
        var (email, _, _) = await fixture.Gateway.SignUpAsync();
        var correlationId = Guid.NewGuid().ToString("N");
        using var login = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email, password = PlatformClient.Password }) };
        login.Headers.Add("X-Correlation-Id", correlationId);
        using var loggedIn = await fixture.Gateway.SendAsync(login);
        loggedIn.EnsureSuccessStatusCode();

        var page = await fixture.OpenAsync("traces");
        await page.FillAsync("#trace-search", correlationId);
        // Each service exports its spans in its own batches: wait until the page lists the trace with both services
        // and auth's request span has arrived (it ends, and so is exported, after its own children).
        var row = page.Locator("#trace-rows tr").First;
        var (services, traceId) = await Eventually.ReturnsAsync(
            async () =>
            {
                await page.ClickAsync("#trace-go");
                return await page.Locator("#trace-rows tr").CountAsync() == 1
                    ? (await row.Locator("td").Nth(2).InnerTextAsync(), await row.GetAttributeAsync("data-trace"))
                    : ("", null);
            },
            found => found.Item1 == "auth, gateway" && fixture.Dashboard.Telemetry.Trace(found.Item2!).Any(s => s.Service == "auth" && s.Kind == "server"),
            TimeSpan.FromSeconds(30), "the login's trace, with gateway and auth spans, is listed under its correlation id");
        var rows = await page.Locator("#trace-rows tr").AllInnerTextsAsync();

        await row.Locator("a").ClickAsync();
        var waterfall = page.Locator("#waterfall tr.span");
        await Expect(waterfall.Filter(new() { HasText = "gateway" }).First).ToBeVisibleAsync();
        await Expect(waterfall.Filter(new() { HasText = "auth" }).First).ToBeVisibleAsync();

        // One trace: auth's server span is a child of the gateway's call to it.
        var spans = fixture.Dashboard.Telemetry.Trace(traceId!);
        Assert.Equal("auth, gateway", services);
        var authServer = Assert.Single(spans, s => s.Service == "auth" && s.Kind == "server");
        Assert.Equal(("POST /api/auth/login", "200"), (authServer.Name, authServer.Attributes["http.response.status_code"]));
        var parent = Assert.Single(spans, s => s.SpanId == authServer.ParentSpanId);
        Assert.Equal("gateway", parent.Service);
        Assert.Contains(spans, s => s.Service == "auth" && s.Attributes.GetValueOrDefault("db.system.name") == "postgresql"); // its Postgres queries
        Assert.Contains(spans, s => s.Service == "auth" && s.Attributes.GetValueOrDefault("db.system.name") == "redis"); // and the login throttle in Redis
        // Health probes (every second, from the host and the gateway) and background polling are not traced: they would bury this.
        Assert.DoesNotContain(fixture.Dashboard.Telemetry.Traces(null, null, 1000),
            t => t.Name.EndsWith("/health", StringComparison.Ordinal) || t.Name.EndsWith("/alive", StringComparison.Ordinal)
                 || t.Name.Contains("cluster_health_checks", StringComparison.Ordinal) || t.Name.EndsWith(": postgresql", StringComparison.Ordinal));
        output.WriteLine($"login trace {traceId}: {spans.Count} spans, {rows[0]}");
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "login-trace")}");
    }

    [Fact]
    public async Task Stopping_and_starting_a_replica_from_the_page_changes_its_state()
    {
        const string replica = "workspaces-1";
        var page = await fixture.OpenAsync();
        var state = page.Locator($"tr[data-resource='{replica}'] .state");
        await Expect(state).ToHaveTextAsync("healthy", Patiently);

        await page.ClickAsync($"tr[data-resource='{replica}'] button[data-command='stop']");
        await Expect(state).ToHaveTextAsync("stopped", Patiently);
        Assert.Equal(ResourceState.Stopped, fixture.App.GetInstances(replica).Single().State);
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "replica-stopped")}");

        await page.ClickAsync($"tr[data-resource='{replica}'] button[data-command='start']");
        await Expect(state).ToHaveTextAsync("healthy", Patiently);
        Assert.Equal(ResourceState.Healthy, fixture.App.GetInstances(replica).Single().State);
    }

    [Fact]
    public async Task A_resource_console_streams_new_lines_as_they_are_written()
    {
        const string replica = "users-1";
        var page = await fixture.OpenAsync("console");
        await page.SelectOptionAsync("#console-resource", replica);
        var lines = page.Locator("#console-lines");
        await Expect(lines).ToContainTextAsync("state: Healthy", new() { Timeout = 30_000 });
        await Expect(lines).Not.ToContainTextAsync("state: Paused");

        // The host writes each state change into the resource's log: pausing the replica writes new lines.
        await fixture.App.Commands.PauseAsync(replica);
        await fixture.App.Commands.ResumeAsync(replica);
        await Expect(lines).ToContainTextAsync("state: Paused", new() { Timeout = 30_000 });
        await fixture.App.WaitForHealthyAsync(replica, TimeSpan.FromSeconds(60));
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "console")}");
    }

    [Fact]
    public async Task Metrics_show_rate_errors_and_latency_per_route_and_runtime_charts()
    {
        var (email, _, _) = await fixture.Gateway.SignUpAsync();
        for (var i = 0; i < 10; i++)
        {
            using var login = await fixture.Gateway.LoginAsync(email);
            login.EnsureSuccessStatusCode();
        }

        var page = await fixture.OpenAsync("metrics");
        var route = page.Locator("#route-rows tr[data-service='auth'][data-route*='login']");
        await Eventually.ReturnsAsync(
            async () =>
            {
                await page.ClickAsync("nav button[data-tab='metrics']"); // reloads the tables
                return await route.CountAsync();
            },
            count => count == 1, TimeSpan.FromSeconds(30), "auth's login route is listed with its rate and latency");
        var cells = await route.Locator("td").AllInnerTextsAsync();
        Assert.True(double.Parse(cells[2], System.Globalization.CultureInfo.InvariantCulture) > 0, $"a request rate: {string.Join(" | ", cells)}");
        Assert.True(double.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture) > 0, $"a p50 latency: {string.Join(" | ", cells)}");

        await route.ClickAsync();
        await Expect(page.Locator("#request-title")).ToContainTextAsync("auth");
        foreach (var chart in new[] { "Request rate", "Error rate (5xx and failed requests)", "Latency" })
        {
            // a chart needs two 5 s grid points of the route's series: the page redraws every 5 s until it has them
            await Expect(page.Locator($"#request-charts svg[data-title='{chart}'] path").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        }

        foreach (var chart in new[] { "CPU", "Working set", "GC heap after last collection", "GC collections" })
        {
            await Expect(page.Locator($"#runtime-charts svg[data-title='{chart}'] path").First).ToBeAttachedAsync(new() { Timeout = 30_000 });
        }

        output.WriteLine($"auth login route: {string.Join(" | ", cells)}");
        output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "metrics")}");
    }

    [Fact]
    public async Task The_fault_panel_shows_an_active_edge_fault_and_clears_it()
    {
        var edge = EdgeRouter.EdgeName("workspaces", "cache");
        fixture.App.Edges.Set(edge, new EdgeFaults(new EdgeFault { Latency = TimeSpan.FromMilliseconds(3) }, EdgeFault.None));
        try
        {
            var page = await fixture.OpenAsync("faults");
            var row = page.Locator("#fault-rows tr.active-fault");
            await Expect(row).ToHaveCountAsync(1);
            await Expect(row).ToContainTextAsync(edge);
            await Expect(row).ToContainTextAsync("latency 00:00:00.003");
            await Expect(page.Locator("#fault-status")).ToContainTextAsync($"1 of {fixture.App.Edges.Edges.Count} edges have faults");
            output.WriteLine($"screenshot: {await DashboardFixture.ScreenshotAsync(page, "faults")}");

            await row.Locator("button").ClickAsync();
            await Expect(page.Locator("#fault-rows tr.active-fault")).ToHaveCountAsync(0);
            Assert.Equal(EdgeFaults.None, fixture.App.Edges.FaultsOf(edge));
        }
        finally
        {
            fixture.App.Edges.Clear(edge);
        }
    }
}
