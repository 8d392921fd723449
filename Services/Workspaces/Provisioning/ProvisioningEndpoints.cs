using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Sagas;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Correlation;
using Platform.ServiceDefaults.Problems;
using Platform.Workspaces.Domain;

namespace Platform.Workspaces.Provisioning;

public sealed record ProvisioningView(Guid ProvisioningId, Guid WorkspaceId, string Status, string Step, string? Error);

/// <summary>
/// <c>POST /api/workspaces</c> with a template starts a <see cref="WorkspaceProvisioningSaga"/> and answers 202 with
/// its status resource, <c>GET /api/workspaces/provisioning/{id}</c> (visible to the user who started it).
/// </summary>
internal sealed class ProvisioningEndpoints(NpgsqlDataSource db, WorkspaceProvisioningSaga saga, SagaStarter sagas, SagaOptions options)
{
    private const int MaxMembers = 20;

    public static void Map(WebApplication app)
        => app.MapGet("/api/workspaces/provisioning/{id:guid}", async (Guid id, ClaimsPrincipal user, ProvisioningEndpoints provisioning, CancellationToken ct)
                => await provisioning.FindAsync(user, id, ct) is { } view ? Results.Ok(view) : Problem.NotFound("There is no such provisioning."))
            .RequireAuthorization();

    public async Task<IResult> StartAsync(ClaimsPrincipal user, string? name, string template, IReadOnlyList<MemberRequest>? members, HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var workspaceId = Guid.CreateVersion7();
        if (Workspace.Create(workspaceId, name, user.GetUserId()).Rejection is { Errors: { } invalid })
        {
            foreach (var (field, messages) in invalid)
            {
                errors[field] = messages;
            }
        }

        if (!WorkspaceTemplates.All.ContainsKey(template))
        {
            errors["template"] = [$"One of: {string.Join(", ", WorkspaceTemplates.All.Keys)}."];
        }

        members ??= [];
        if (members.Count > MaxMembers || members.Any(m => m.UserId is not { } id || id == Guid.Empty || id == user.GetUserId() || !Roles.IsValid(m.Role))
            || members.Select(m => m.UserId).Distinct().Count() != members.Count)
        {
            errors["members"] = [$"At most {MaxMembers} distinct other users, each with a role of owner, editor or viewer."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var provisioningId = Guid.CreateVersion7();
        var data = new JsonObject
        {
            ["userId"] = user.GetUserId(),
            ["tenantId"] = user.GetTenantId(),
            ["workspaceId"] = workspaceId,
            ["workspaceName"] = name!.Trim(),
            ["template"] = template,
            ["members"] = JsonSerializer.SerializeToNode(members, JsonSerializerOptions.Web),
        };
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await sagas.StartAsync(connection, transaction, saga, provisioningId, data, SagaFaults.From(request, options), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        return Results.Accepted($"/api/workspaces/provisioning/{provisioningId}", new ProvisioningView(provisioningId, workspaceId, "pending", "workspace", null));
    }

    private async Task<ProvisioningView?> FindAsync(ClaimsPrincipal user, Guid id, CancellationToken cancellationToken)
    {
        if (await SagaStore.FindAsync(db, id, cancellationToken) is not { Saga: WorkspaceProvisioningSaga.SagaName } state
            || state.Data["userId"]?.GetValue<Guid>() != user.GetUserId() || state.Data["tenantId"]?.GetValue<Guid>() != user.GetTenantId())
        {
            return null;
        }

        var status = state.Status switch
        {
            SagaStatus.Completed => "completed",
            SagaStatus.Failed => "failed",
            _ => "pending",
        };
        return new ProvisioningView(id, state.Data["workspaceId"]!.GetValue<Guid>(), status, saga.Steps[state.Step].Name, state.Error);
    }
}
