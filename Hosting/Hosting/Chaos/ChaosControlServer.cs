using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.Hosting.Chaos;

/// <summary>The host's HTTP control of edge and Kafka faults, for a developer poking a running platform (loopback only).</summary>
internal sealed class ChaosControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ChaosControlServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public static async Task<ChaosControlServer> StartAsync(DistributedApplication platform, int port, CancellationToken cancellationToken)
    {
        var app = LoopbackWebApplication.Create(port);
        var url = app.Url();
        app.MapEdgeFaults(platform);
        await app.StartAsync(cancellationToken);
        return new ChaosControlServer(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
