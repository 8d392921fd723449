using Aspire.Hosting.ApplicationModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Kafka;

namespace Platform.Hosting.Chaos;

/// <summary>The AppHost's HTTP control of edge and Kafka faults on loopback (<c>ChaosControlPort</c>, 18890 by default), for scripts and curl.</summary>
internal sealed class ChaosControlServer(EdgeRouter edges, DistributedApplicationModel model, int port, ILogger<ChaosControlServer> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapEdgeFaults(edges, name => model.Resources.OfType<KafkaProcessResource>().FirstOrDefault(r => r.Name == name) is { } kafka ? new KafkaBrokerFaults(kafka) : null);
        await _app.StartAsync(cancellationToken);
        logger.LogInformation("Edge faults: {Url} (GET /edges, PUT /edges/{{edge}} with an EdgeFaults body, DELETE /edges/{{edge}}, POST /kafka/{{name}}/{{down|up}}/{{broker}})", _app.Urls.First());
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
