using System.Security.Claims;
using Platform.Caching;
using Platform.EventStore;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Correlation;
using Platform.ServiceDefaults.Problems;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Storage;

namespace Platform.Workspaces.Api;

/// <summary>
/// The write path of every workspace command, one unit of work each: load the aggregate (honouring If-Match), check
/// the caller's role, decide, append, queue the integration messages, save (events + inline read models + outbox in one
/// transaction), then invalidate the cache and answer with the new ETag.
/// </summary>
internal sealed class WorkspaceWriter(TenantSessions sessions, TwoLevelCache cache, TimeProvider clock)
{
    private const int MaxAttempts = 10;

    public static string CacheKey(Guid tenantId, Guid workspaceId) => $"workspace:{tenantId}:{workspaceId}";

    public static EventMetadata Metadata(ClaimsPrincipal user)
        => new(user.GetTenantId(), user.GetUserId(), CorrelationId.Current, null);

    public async Task<IResult> CreateAsync(ClaimsPrincipal user, string? name, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var decision = Workspace.Create(id, name, user.GetUserId());
        if (decision.Rejection is { } rejection)
        {
            return ToProblem(rejection);
        }

        await using var session = await sessions.OpenAsync(Metadata(user), cancellationToken);
        var stream = WorkspaceStream.Start(session, id, decision.Events);
        return (await SaveAsync(session, stream, () => Results.Created($"/api/workspaces/{id}", new Created(id, stream.NextVersion)),
            onConflict: Problem.Conflict("A workspace with this id exists."), cancellationToken))!;
    }

    /// <param name="requiredRole">The least role that may run the command; non-members get 404 (the workspace's existence is not revealed).</param>
    /// <remarks>
    /// Without If-Match, a write that loses a race to another write is decided again on the new state (up to
    /// <see cref="MaxAttempts"/> times) before it answers 409: the client did not ask for a particular version.
    /// </remarks>
    public async Task<IResult> ExecuteAsync(ClaimsPrincipal user, HttpRequest request, Guid workspaceId, string requiredRole, Func<Workspace, Decision> decide, Func<long, IResult> respond, CancellationToken cancellationToken)
    {
        var (valid, expected) = EntityTags.ParseIfMatch(request);
        if (!valid)
        {
            return PreconditionFailed("If-Match must be an ETag this API returned (\"<version>\") or *.");
        }

        for (var attempt = 1; ; attempt++)
        {
            if (await ExecuteOnceAsync(user, workspaceId, expected, requiredRole, decide, respond, retryable: expected is null && attempt < MaxAttempts, cancellationToken) is { } result)
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * attempt)), clock, cancellationToken); // jitter, so racing writers spread out
        }
    }

    /// <summary>Null when the save lost a race and may be retried.</summary>
    private async Task<IResult?> ExecuteOnceAsync(ClaimsPrincipal user, Guid workspaceId, long? expected, string requiredRole, Func<Workspace, Decision> decide, Func<long, IResult> respond, bool retryable, CancellationToken cancellationToken)
    {
        await using var session = await sessions.OpenAsync(Metadata(user), cancellationToken);
        WorkspaceStream? stream;
        try
        {
            stream = await WorkspaceStream.FetchAsync(session, workspaceId, expected, cancellationToken);
        }
        catch (Exception e) when (WorkspaceStream.IsConflict(e))
        {
            return PreconditionFailed($"The workspace is not at version {expected}.");
        }

        if (stream?.Aggregate.RoleOf(user.GetUserId()) is not { } role)
        {
            return Problem.NotFound("There is no such workspace.");
        }

        if (!Roles.Allows(role, requiredRole))
        {
            return Problem.Of(403, ProblemTypes.Forbidden, "Forbidden", $"This needs the {requiredRole} role; you are {role}.");
        }

        if (stream.Aggregate.Archived)
        {
            return Problem.Conflict("The workspace is archived.");
        }

        var decision = decide(stream.Aggregate);
        if (decision.Rejection is { } rejection)
        {
            return ToProblem(rejection);
        }

        stream.Append(decision.Events);
        var onConflict = expected is not null
            ? PreconditionFailed("The workspace changed since the version in If-Match.")
            : retryable ? null : Problem.Conflict("The workspace kept changing while this request ran; read it again and retry.");
        return await SaveAsync(session, stream, () => respond(stream.NextVersion), onConflict, cancellationToken);
    }

    private async Task<IResult?> SaveAsync(TenantSession session, WorkspaceStream stream, Func<IResult> respond, IResult? onConflict, CancellationToken cancellationToken)
    {
        MembershipMessages.PublishPending(session, stream);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (WorkspaceStream.IsConflict(e))
        {
            return onConflict;
        }

        if (stream.PendingEvents.Count > 0)
        {
            await cache.InvalidateAsync(CacheKey(session.Metadata.TenantId, stream.Id), stream.NextVersion);
        }

        return new WithETag(respond(), stream.NextVersion);
    }

    private static IResult PreconditionFailed(string detail) => Problem.Of(412, ProblemTypes.PreconditionFailed, "Precondition failed", detail);

    private static IResult ToProblem(Rejection rejection) => rejection switch
    {
        { Errors: { } errors } => Problem.Validation(errors, rejection.Detail),
        { Status: 404 } => Problem.NotFound(rejection.Detail),
        { Status: 409 } => Problem.Conflict(rejection.Detail),
        _ => Problem.Of(rejection.Status, ProblemTypes.ForStatus(rejection.Status), "Rejected", rejection.Detail),
    };

    /// <summary>Adds the ETag of the version the write produced.</summary>
    private sealed class WithETag(IResult inner, long version) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.ETag = EntityTags.Format(version);
            return inner.ExecuteAsync(httpContext);
        }
    }
}
