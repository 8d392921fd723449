using Microsoft.Playwright;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// <c>dotnet run --project AppHost</c> with a fault proxy on every edge, and Debian's chromium driven by Playwright,
/// signed in to the Aspire dashboard through the login link the AppHost printed, as a developer's browser is. Stopped
/// at the end with Ctrl+C (SIGINT to its process group), which must leave no process of the run behind.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private AppHostProcess? _appHost;

    public AppHostProcess AppHost => _appHost ?? throw new InvalidOperationException("The AppHost is not running.");

    /// <summary>The signed-in browser session; each test opens its own page in it.</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    public HttpClient Gateway { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"The browser tests drive Debian's chromium, and {Chromium} is missing: sudo apt-get install -y chromium (./platform test installs it when run as root).");
        }

        _appHost = await AppHostProcess.StartAsync(["--EdgeProxies=true", "--Systems=platform"], TimeSpan.FromMinutes(3));
        Gateway = new HttpClient { BaseAddress = _appHost.GatewayUrl };
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true });
        Browser = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        var page = await Browser.NewPageAsync();
        var landed = await page.GotoAsync(await _appHost.LoginUrl);
        if (landed is null || !landed.Ok || new Uri(page.Url).AbsolutePath != "/")
        {
            throw new InvalidOperationException($"Signing in through the login link did not land on the dashboard (at {page.Url}, status {landed?.Status}).");
        }

        await page.CloseAsync();
    }

    /// <summary>A new page on the dashboard at <paramref name="path"/>.</summary>
    public async Task<IPage> OpenAsync(string path = "/")
    {
        var page = await Browser.NewPageAsync();
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(new Uri(AppHost.DashboardUrl, path).ToString());
        return page;
    }

    /// <summary>The row of a resource on the resources page (names are matched whole: "users" is not "users-abcd1234").</summary>
    public static ILocator Row(IPage page, string namePattern)
        => page.Locator("tr.resource-row").Filter(new LocatorFilterOptions { Has = page.Locator(".resource-name-text", new PageLocatorOptions { HasTextRegex = new System.Text.RegularExpressions.Regex($"^{namePattern}$") }) });

    /// <summary>Saves the page as artifacts/screenshots/<paramref name="name"/>.png and returns the path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var path = Artifacts.PathFor("screenshots", name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        Gateway?.Dispose();
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_appHost is not null)
        {
            // Ctrl+C in the terminal: SIGINT to the whole foreground process group.
            var (processes, elapsed, left) = await _appHost.StopAsync(signal: 2, TimeSpan.FromSeconds(60));
            await _appHost.DisposeAsync();
            var report = left.Count == 0
                ? $"Ctrl+C: {processes} processes of the run, all gone after {elapsed.TotalSeconds:0.0} s"
                : $"Ctrl+C left {left.Count} of {processes} processes running after {elapsed.TotalSeconds:0.0} s: {string.Join("; ", left)}";
            await File.WriteAllTextAsync(Artifacts.PathFor("dashboard", "ctrl-c.txt"), report + Environment.NewLine);
            if (left.Count > 0)
            {
                throw new InvalidOperationException(report);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}
