using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.Hosting.Chaos;

/// <summary>
/// The HTTP face of the graph's faults, mapped by the chaos control server (its own port, for curl) and by the
/// dashboard (its fault panel, behind its sign-in): the edges with their faults, set and clear one, Kafka brokers down
/// and up. A run without edge proxies lists none and answers 404 to changes.
/// </summary>
public static class EdgeFaultEndpoints
{
    public static IEndpointRouteBuilder MapEdgeFaults(this IEndpointRouteBuilder routes, DistributedApplication platform)
    {
        routes.MapGet("/edges", () => platform.HasEdgeProxies
            ? new
            {
                enabled = true,
                resets = platform.Edges.Resets,
                edges = platform.Edges.Edges.Select(e => new { edge = e, faults = platform.Edges.FaultsOf(e), active = !platform.Edges.FaultsOf(e).Equals(EdgeFaults.None) }).ToList<object>(),
            }
            : new { enabled = false, resets = 0L, edges = new List<object>() });
        routes.MapGet("/edges/timeline", () => platform.HasEdgeProxies ? platform.Edges.Timeline : []);
        routes.MapPut("/edges/{edge}", (string edge, EdgeFaults faults) => Change(platform, edge, edges => edges.Set(edge, faults)));
        routes.MapDelete("/edges/{edge}", (string edge) => Change(platform, edge, edges => edges.Clear(edge)));
        // (no regex route constraint: the slim web host these servers run on leaves regex constraints out)
        routes.MapPost("/kafka/{name}/{action}/{broker:int}", async (string name, string action, int broker) =>
        {
            if (action is not ("down" or "up"))
            {
                return Results.Problem(statusCode: 400, title: "Unknown Kafka fault", detail: "down or up");
            }

            var kafka = platform.KafkaFaults(name);
            await (action == "down" ? kafka.BrokerDownAsync(broker) : kafka.BrokerUpAsync(broker));
            return Results.NoContent();
        });
        return routes;
    }

    private static IResult Change(DistributedApplication platform, string edge, Action<EdgeRouter> change)
    {
        if (!platform.HasEdgeProxies || !platform.Edges.Edges.Contains(edge, StringComparer.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: 404, title: "No such edge",
                detail: platform.HasEdgeProxies ? $"Edges: {string.Join(", ", platform.Edges.Edges)}" : "This run has no edge proxies (start it with EdgeProxies=true).");
        }

        change(platform.Edges);
        return Results.NoContent();
    }
}
