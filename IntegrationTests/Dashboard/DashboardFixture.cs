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

    protected override string[] Arguments => [.. base.Arguments, "--Dashboard=true", "--EdgeProxies=true"];

    public DashboardServer Dashboard => App.Dashboard ?? throw new InvalidOperationException("The graph started without its dashboard.");

    /// <summary>The signed-in browser session; each test opens its own page in it.</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"The browser tests drive Debian's chromium, and {Chromium} is missing: sudo apt-get install -y chromium (./platform test installs it when run as root).");
        }

        await base.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        Browser = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var signIn = await Browser.NewPageAsync();
        var landed = await signIn.GotoAsync(Dashboard.LoginUrl);
        if (landed is null || !landed.Ok || new Uri(signIn.Url).AbsolutePath != "/")
        {
            throw new InvalidOperationException($"Signing in through {Dashboard.LoginUrl} did not land on the dashboard (at {signIn.Url}, status {landed?.Status}).");
        }

        await signIn.CloseAsync();
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
