using Marten;
using Npgsql;
using Platform.EventStore;
using Platform.Messaging.Outbox;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;
using Platform.Workspaces.Storage;

namespace Platform.Workspaces.Api;

/// <summary>Operator endpoints (service tokens only; the gateway does not route /internal): projections and dead letters.</summary>
internal static class OperatorEndpoints
{
    public static void MapOperatorEndpoints(this WebApplication app)
    {
        var ops = app.MapGroup("/internal").RequireAuthorization(ServicePolicies.Service);
        ops.MapGet("/projections", async (IDocumentStore store, CancellationToken ct)
            => (await store.Advanced.AllProjectionProgress(token: ct)).Select(p => new { name = p.ShardName, sequence = p.Sequence }));
        ops.MapPost("/projections/{name}/rebuild", async (string name, NpgsqlDataSource db, CancellationToken ct) =>
        {
            if (!WorkspaceStore.Projections.Contains(name))
            {
                return Problem.NotFound("There is no such projection.");
            }

            await ProjectionRebuilds.RequestAsync(db, name, ct);
            return Results.Accepted();
        });
        ops.MapGet("/outbox/dead-letters", (NpgsqlDataSource db, CancellationToken ct) => DeadLetters.ListAsync(db, 100, ct));
        ops.MapPost("/outbox/dead-letters/{id:guid}/replay", async (Guid id, NpgsqlDataSource db, CancellationToken ct)
            => await DeadLetters.ReplayAsync(db, id, ct) ? Results.Accepted() : Problem.NotFound("There is no such dead letter."));
    }
}
