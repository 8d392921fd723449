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
        var edges = platform.Edges;
        app.MapGet("/edges", () => edges.Edges.Select(e => new { edge = e, faults = edges.FaultsOf(e) }));
        app.MapGet("/edges/timeline", () => edges.Timeline);
        app.MapPut("/edges/{edge}", (string edge, EdgeFaults faults) =>
        {
            if (!edges.Edges.Contains(edge, StringComparer.OrdinalIgnoreCase))
            {
                return Results.Problem(statusCode: 404, title: "No such edge", detail: $"Edges: {string.Join(", ", edges.Edges)}");
            }

            edges.Set(edge, faults);
            return Results.NoContent();
        });
        app.MapDelete("/edges/{edge}", (string edge) =>
        {
            edges.Clear(edge);
            return Results.NoContent();
        });
        app.MapPost("/kafka/{name}/{action:regex(^(down|up)$)}/{broker:int}", async (string name, string action, int broker) =>
        {
            var kafka = platform.KafkaFaults(name);
            await (action == "down" ? kafka.BrokerDownAsync(broker) : kafka.BrokerUpAsync(broker));
            return Results.NoContent();
        });
        await app.StartAsync(cancellationToken);
        return new ChaosControlServer(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
