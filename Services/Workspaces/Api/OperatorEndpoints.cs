using Npgsql;
using Platform.EventStore.Projections;
using Platform.Messaging.Outbox;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Workspaces.Api;

/// <summary>Operator endpoints (service tokens only; the gateway does not route /internal): projections and dead letters.</summary>
internal static class OperatorEndpoints
{
    public static void MapOperatorEndpoints(this WebApplication app)
    {
        var ops = app.MapGroup("/internal").RequireAuthorization(ServicePolicies.Service);
        ops.MapGet("/projections", (ProjectionDaemon daemon, CancellationToken ct) => daemon.StatusAsync(ct));
        ops.MapPost("/projections/{name}/rebuild", async (string name, ProjectionDaemon daemon, NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (daemon.Projections.All(p => p.Name != name))
            {
                return Problem.NotFound("There is no such projection.");
            }

            await ProjectionDaemon.RequestRebuildAsync(db, name, ct);
            return Results.Accepted();
        });
        ops.MapGet("/outbox/dead-letters", (NpgsqlDataSource db, CancellationToken ct) => DeadLetters.ListAsync(db, 100, ct));
        ops.MapPost("/outbox/dead-letters/{id:guid}/replay", async (Guid id, NpgsqlDataSource db, CancellationToken ct)
            => await DeadLetters.ReplayAsync(db, id, ct) ? Results.Accepted() : Problem.NotFound("There is no such dead letter."));
    }
}
