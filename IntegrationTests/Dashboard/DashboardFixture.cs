using Microsoft.Playwright;
using Platform.Hosting.Dashboard;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// The AppHost's graph with its dashboard (and a fault proxy on every edge, for the fault panel), and Debian's chromium
/// driven by Playwright, signed in through the one-time login link the way a developer's browser is.
/// </summary>
public sealed class DashboardFixture : PlatformFixture
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly Dictionary<string, List<string>> _startupStates = [];

    protected override string[] Arguments => [.. base.Arguments, "--Dashboard=true", "--EdgeProxies=true"];

    public DashboardServer Dashboard => App.Dashboard ?? throw new InvalidOperationException("The graph started without its dashboard.");

    /// <summary>The signed-in browser session; each test opens its own page in it.</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>Each resource's states as the resource page showed them while the graph started, in order (repeats left out).</summary>
    public IReadOnlyDictionary<string, List<string>> StartupStates => _startupStates;

    public override async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"The browser tests drive Debian's chromium, and {Chromium} is missing: sudo apt-get install -y chromium (./platform test installs it when run as root).");
        }

        await base.InitializeAsync();
    }

    /// <summary>
    /// Starts the graph with a browser on the resource page from the moment the dashboard is up (it starts before the
    /// resources), recording what the page shows until every resource is started.
    /// </summary>
    protected override async Task StartAsync(Platform.Hosting.DistributedApplication app, CancellationToken cancellationToken)
    {
        var started = app.StartAsync(cancellationToken);
        while (app.Dashboard is null && !started.IsCompleted)
        {
            await Task.WhenAny(started, Task.Delay(50, cancellationToken));
        }

        if (app.Dashboard is not { LoginUrl: { } login })
        {
            await started;
            throw new InvalidOperationException("The graph started without its dashboard.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        Browser = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await Browser.NewPageAsync();
        var landed = await page.GotoAsync(login);
        if (landed is null || !landed.Ok || new Uri(page.Url).AbsolutePath != "/")
        {
            throw new InvalidOperationException($"Signing in through the login link did not land on the dashboard (at {page.Url}, status {landed?.Status}).");
        }

        var screenshot = false;
        while (!started.IsCompleted)
        {
            var rows = await page.EvaluateAsync<string[][]>("[...document.querySelectorAll('#resource-rows tr')].map(r => [r.dataset.resource, r.querySelector('.state').textContent])");
            foreach (var row in rows)
            {
                var seen = _startupStates.TryGetValue(row[0], out var states) ? states : _startupStates[row[0]] = [];
                if (seen.Count == 0 || seen[^1] != row[1])
                {
                    seen.Add(row[1]);
                }
            }

            if (!screenshot && rows.Length > 0 && rows.Any(r => r[1] != "healthy"))
            {
                await ScreenshotAsync(page, "resources-starting");
                screenshot = true;
            }

            await Task.WhenAny(started, Task.Delay(250, cancellationToken));
        }

        await started;
        await page.CloseAsync();
    }

    /// <summary>A new page on the dashboard, on the given tab.</summary>
    public async Task<IPage> OpenAsync(string tab = "resources")
    {
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(Dashboard.Url);
        await page.ClickAsync($"nav button[data-tab='{tab}']");
        return page;
    }

    /// <summary>Saves the page as artifacts/screenshots/<paramref name="name"/>.png and returns the path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Artifacts.PathFor("screenshots", name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
