using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Infrastructure;
using Yarp.ReverseProxy.Configuration;

namespace Platform.Benchmarks;

/// <summary>
/// YARP with nothing else: one catch-all route to one upstream, no logging, telemetry, authentication or rate limiting,
/// in the benchmark's own process. The gateway's figures read against it split its cost into YARP's and the platform's.
/// </summary>
internal sealed class BareYarp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareYarp(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<BareYarp> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "/{**rest}" } }],
            [new ClusterConfig { ClusterId = "upstream", Destinations = new Dictionary<string, DestinationConfig> { ["upstream"] = new() { Address = upstream.ToString() } } }]);
        var app = builder.Build();
        app.MapReverseProxy();
        var url = new Uri($"http://127.0.0.1:{LocalPorts.Free()}");
        app.Urls.Add(url.ToString());
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new BareYarp(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
