using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Hosting.Kafka;

namespace Platform.Hosting.Chaos;

/// <summary>
/// The HTTP face of the graph's faults for scripts (the chaos control server): the edges with their faults, set and
/// clear one, Kafka brokers down and up.
/// </summary>
public static class EdgeFaultEndpoints
{
    public static IEndpointRouteBuilder MapEdgeFaults(this IEndpointRouteBuilder routes, EdgeRouter edges, Func<string, KafkaBrokerFaults?> kafka)
    {
        routes.MapGet("/edges", () => new
        {
            resets = edges.Resets,
            edges = edges.Edges.Select(e => new { edge = e, faults = edges.FaultsOf(e), active = !edges.FaultsOf(e).Equals(EdgeFaults.None) }).ToList(),
        });
        routes.MapGet("/edges/timeline", () => edges.Timeline);
        routes.MapPut("/edges/{edge}", (string edge, EdgeFaults faults) => Change(edges, edge, () => edges.Set(edge, faults)));
        routes.MapDelete("/edges/{edge}", (string edge) => Change(edges, edge, () => edges.Clear(edge)));
        routes.MapPost("/kafka/{name}/{action}/{broker:int}", async (string name, string action, int broker) =>
        {
            if (action is not ("down" or "up"))
            {
                return Results.Problem(statusCode: 400, title: "Unknown Kafka fault", detail: "down or up");
            }

            if (kafka(name) is not { } faults)
            {
                return Results.Problem(statusCode: 404, title: "No such Kafka cluster", detail: $"No local Kafka cluster named '{name}'.");
            }

            await (action == "down" ? faults.BrokerDownAsync(broker) : faults.BrokerUpAsync(broker));
            return Results.NoContent();
        });
        return routes;
    }

    private static IResult Change(EdgeRouter edges, string edge, Action change)
    {
        if (!edges.Edges.Contains(edge, StringComparer.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: 404, title: "No such edge", detail: $"Edges: {string.Join(", ", edges.Edges)}");
        }

        change();
        return Results.NoContent();
    }
}
