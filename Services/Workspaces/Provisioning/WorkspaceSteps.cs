using System.Text.Json;
using Platform.Caching;
using Platform.Contracts;
using Platform.EventStore;
using Platform.Messaging.Outbox;
using Platform.Sagas;
using Platform.ServiceDefaults.Correlation;
using Platform.Workspaces.Api;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Storage;

namespace Platform.Workspaces.Provisioning;

/// <summary>A member the creator asks a provisioned workspace to have.</summary>
public sealed record MemberRequest(Guid? UserId, string? Role);

/// <summary>
/// Creates a saga's workspace (data: workspaceId, workspaceName, userId as owner, tenantId). The compensation erases it:
/// stream, read models and cache entry, and tells other services to drop what they derived (<see cref="WorkspacePurged"/>).
/// </summary>
internal abstract class CreateWorkspaceStep(TenantSessions sessions, TwoLevelCache cache) : ISagaStepHandler
{
    public abstract string Saga { get; }

    public string StepName => "workspace";

    public async Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var session = await sessions.OpenAsync(WorkspaceStep.Metadata(command), cancellationToken);
        if (!await command.ClaimAsync(session.Connection, session.Transaction, cancellationToken))
        {
            return;
        }

        var id = command.Get<Guid>("workspaceId");
        var decision = Workspace.Create(id, command.Get<string>("workspaceName"), command.Get<Guid>("userId"));
        if (decision.Rejection is { } rejection)
        {
            throw new SagaStepFailedException(rejection.Detail);
        }

        var stream = WorkspaceStream.Start(session, id, decision.Events);
        MembershipMessages.PublishPending(session, stream);
        session.Publish(command.Completed(new { workspaceId = id }));
        await session.SaveChangesAsync(cancellationToken);
    }

    public async Task CompensateAsync(SagaStep command, CancellationToken cancellationToken)
    {
        var id = command.Get<Guid>("workspaceId");
        var metadata = WorkspaceStep.Metadata(command);
        await using var session = await sessions.OpenAsync(metadata, cancellationToken);
        var erase = await command.ClaimCompensationAsync(session.Connection, session.Transaction, cancellationToken);
        if (erase)
        {
            // The stream first: that waits for a projection batch holding it (see RecordsProjection), so the read-model
            // deletes below see that batch's rows.
            await session.PurgeStreamAsync(id, cancellationToken);
            foreach (var sql in (string[])[$"DELETE FROM {WorkspaceStore.SnapshotTable} WHERE id = $1", "DELETE FROM records_view WHERE workspace_id = $1", "DELETE FROM workspace_members WHERE workspace_id = $1", "DELETE FROM workspaces_view WHERE id = $1"])
            {
                await using var delete = session.Command(sql, id);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            session.Publish(OutboxMessage.Create(WorkspaceMembershipEvents.Topic, id.ToString(), WorkspaceMembershipEvents.WorkspacePurgedType,
                new WorkspacePurged(id, metadata.TenantId), metadata.CorrelationId, null));
        }

        session.Publish(command.Compensated());
        await session.SaveChangesAsync(cancellationToken);
        if (erase)
        {
            await cache.InvalidateAsync(WorkspaceWriter.CacheKey(metadata.TenantId, id), long.MaxValue); // never to be cached again
        }
    }
}

internal sealed class RegistrationWorkspaceStep(TenantSessions sessions, TwoLevelCache cache) : CreateWorkspaceStep(sessions, cache)
{
    public override string Saga => "registration";
}

internal sealed class ProvisioningWorkspaceStep(TenantSessions sessions, TwoLevelCache cache) : CreateWorkspaceStep(sessions, cache)
{
    public override string Saga => WorkspaceProvisioningSaga.SagaName;
}

/// <summary>
/// A provisioning step that changes the saga's workspace: each change is a decision on the aggregate as the previous
/// ones left it. A refused change fails the step; during compensation, refusals (already undone) are skipped.
/// </summary>
internal abstract class WorkspaceStep(TenantSessions sessions, TwoLevelCache cache) : ISagaStepHandler
{
    public string Saga => WorkspaceProvisioningSaga.SagaName;

    public abstract string StepName { get; }

    public static EventMetadata Metadata(SagaStep command)
        => new(command.Get<Guid>("tenantId"), command.Get<Guid>("userId"), CorrelationId.Current, null);

    protected static WorkspaceTemplate Template(SagaStep command)
        => WorkspaceTemplates.All.GetValueOrDefault(command.Get<string>("template")) ?? throw new SagaStepFailedException("Unknown template.");

    protected abstract IEnumerable<Func<Workspace, Decision>> Changes(SagaStep command);

    protected abstract IEnumerable<Func<Workspace, Decision>> Undo(SagaStep command);

    public async Task ExecuteAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var session = await sessions.OpenAsync(Metadata(command), cancellationToken);
        if (!await command.ClaimAsync(session.Connection, session.Transaction, cancellationToken))
        {
            return;
        }

        var stream = await WorkspaceStream.FetchAsync(session, command.Get<Guid>("workspaceId"), null, cancellationToken)
                     ?? throw new SagaStepFailedException("The workspace does not exist.");
        foreach (var change in Changes(command))
        {
            var decision = change(stream.Aggregate);
            if (decision.Rejection is { } rejection)
            {
                throw new SagaStepFailedException(rejection.Errors is { } errors ? $"{rejection.Detail} {string.Join(" ", errors.SelectMany(e => e.Value))}" : rejection.Detail);
            }

            stream.Append(decision.Events);
        }

        session.Publish(command.Completed());
        await SaveAsync(session, stream, cancellationToken);
    }

    public async Task CompensateAsync(SagaStep command, CancellationToken cancellationToken)
    {
        await using var session = await sessions.OpenAsync(Metadata(command), cancellationToken);
        if (await command.ClaimCompensationAsync(session.Connection, session.Transaction, cancellationToken)
            && await WorkspaceStream.FetchAsync(session, command.Get<Guid>("workspaceId"), null, cancellationToken) is { } stream)
        {
            foreach (var change in Undo(command))
            {
                if (change(stream.Aggregate) is { Rejection: null } decision)
                {
                    stream.Append(decision.Events);
                }
            }

            session.Publish(command.Compensated());
            await SaveAsync(session, stream, cancellationToken);
            return;
        }

        session.Publish(command.Compensated());
        await session.SaveChangesAsync(cancellationToken);
    }

    private async Task SaveAsync(TenantSession session, WorkspaceStream stream, CancellationToken cancellationToken)
    {
        MembershipMessages.PublishPending(session, stream);
        await session.SaveChangesAsync(cancellationToken); // a concurrent write to the workspace: Marten's ConcurrencyException, and the bus retries the step
        if (stream.PendingEvents.Count > 0)
        {
            await cache.InvalidateAsync(WorkspaceWriter.CacheKey(session.Metadata.TenantId, stream.Id), stream.NextVersion);
        }
    }
}

/// <summary>The template's tables; undone by removing them (their records are gone by then).</summary>
internal sealed class TablesStep(TenantSessions sessions, TwoLevelCache cache) : WorkspaceStep(sessions, cache)
{
    public override string StepName => "tables";

    protected override IEnumerable<Func<Workspace, Decision>> Changes(SagaStep command)
        => Template(command).Tables.Select(t => (Func<Workspace, Decision>)(w => w.CreateTable(command.IdFor(t.Name), t.Name, t.Fields)));

    protected override IEnumerable<Func<Workspace, Decision>> Undo(SagaStep command)
        => Template(command).Tables.Select(t => (Func<Workspace, Decision>)(w => w.RemoveTable(command.IdFor(t.Name))));
}

/// <summary>The template's seed records, with ids derived from the saga, so the compensation finds exactly them.</summary>
internal sealed class RecordsStep(TenantSessions sessions, TwoLevelCache cache) : WorkspaceStep(sessions, cache)
{
    public override string StepName => "records";

    protected override IEnumerable<Func<Workspace, Decision>> Changes(SagaStep command)
        => Template(command).Records.Select((r, i) => (Func<Workspace, Decision>)(w => w.CreateRecord(TableId(w, r.Table), command.IdFor($"record:{i}"), r.Values)));

    protected override IEnumerable<Func<Workspace, Decision>> Undo(SagaStep command)
        => Template(command).Records.Select((r, i) => (Func<Workspace, Decision>)(w => w.DeleteRecord(TableId(w, r.Table), command.IdFor($"record:{i}"))));

    private static Guid TableId(Workspace workspace, string name)
        => workspace.Tables.FirstOrDefault(t => t.Value.Name == name).Key;
}

/// <summary>The members the creator asked for, with their roles; undone by removing them again.</summary>
internal sealed class MembersStep(TenantSessions sessions, TwoLevelCache cache) : WorkspaceStep(sessions, cache)
{
    public override string StepName => "members";

    protected override IEnumerable<Func<Workspace, Decision>> Changes(SagaStep command)
        => Members(command).Select(m => (Func<Workspace, Decision>)(w => w.AddMember(m.UserId, m.Role)));

    protected override IEnumerable<Func<Workspace, Decision>> Undo(SagaStep command)
        => Members(command).Select(m => (Func<Workspace, Decision>)(w => w.RemoveMember(m.UserId!.Value)));

    private static List<MemberRequest> Members(SagaStep command) => command.Find<List<MemberRequest>>("members") ?? [];
}
