using System.Security.Claims;
using Platform.ServiceDefaults.Problems;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Provisioning;
using Platform.Workspaces.ReadModels;

namespace Platform.Workspaces.Api;

/// <summary>Every route of /api/workspaces (the README lists them). Writes go through <see cref="WorkspaceWriter"/>, reads through <see cref="WorkspaceReader"/>.</summary>
internal static class WorkspaceEndpoints
{
    private const int MaxPageSize = 200;

    public static void MapWorkspaceEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api/workspaces").RequireAuthorization();
        api.MapPost("", (CreateWorkspaceRequest body, ClaimsPrincipal user, HttpRequest request, WorkspaceWriter writer, ProvisioningEndpoints provisioning, CancellationToken ct) => body switch
        {
            { Template: { } template } => provisioning.StartAsync(user, body.Name, template, body.Members, request, ct),
            { Members.Count: > 0 } => Task.FromResult(Problem.Validation(new Dictionary<string, string[]> { ["members"] = ["Members are given together with a template."] })),
            _ => writer.CreateAsync(user, body.Name, ct),
        });
        ProvisioningEndpoints.Map(app);
        api.MapGet("", ListAsync);
        api.MapGet("/{id:guid}", GetAsync);
        api.MapGet("/{id:guid}/history", HistoryAsync);
        api.MapPatch("/{id:guid}", (Guid id, RenameWorkspaceRequest body, Command command) => command.Run(id, Roles.Owner, w => w.Rename(body.Name)));
        api.MapPost("/{id:guid}/archive", (Guid id, Command command) => command.Run(id, Roles.Owner, w => w.Archive()));

        api.MapGet("/{id:guid}/members", async (Guid id, ClaimsPrincipal user, WorkspaceReader reader, CancellationToken ct)
            => await reader.DetailsAsync(user, id, ct) is { } details ? Results.Ok(details.Members) : Problem.NotFound("There is no such workspace."));
        api.MapPost("/{id:guid}/members", (Guid id, AddMemberRequest body, Command command)
            => command.Run(id, Roles.Owner, w => w.AddMember(body.UserId, body.Role), _ => Results.Created($"/api/workspaces/{id}/members/{body.UserId}", new MemberView(body.UserId!.Value, body.Role!))));
        api.MapPut("/{id:guid}/members/{userId:guid}", (Guid id, Guid userId, ChangeRoleRequest body, Command command)
            => command.Run(id, Roles.Owner, w => w.ChangeRole(userId, body.Role), _ => Results.Ok(new MemberView(userId, body.Role!))));
        api.MapDelete("/{id:guid}/members/{userId:guid}", (Guid id, Guid userId, Command command)
            => command.Run(id, Roles.Owner, w => w.RemoveMember(userId), _ => Results.NoContent()));

        api.MapPost("/{id:guid}/tables", (Guid id, CreateTableRequest body, Command command) =>
        {
            var tableId = Guid.CreateVersion7();
            return command.Run(id, Roles.Editor, w => w.CreateTable(tableId, body.Name, body.Fields), v => Results.Created($"/api/workspaces/{id}/tables/{tableId}", new Created(tableId, v)));
        });
        api.MapPost("/{id:guid}/tables/{tableId:guid}/records", (Guid id, Guid tableId, RecordRequest body, Command command) =>
        {
            var recordId = Guid.CreateVersion7();
            return command.Run(id, Roles.Editor, w => w.CreateRecord(tableId, recordId, body.Values),
                v => Results.Created($"/api/workspaces/{id}/tables/{tableId}/records/{recordId}", new Created(recordId, v)));
        });
        api.MapPatch("/{id:guid}/tables/{tableId:guid}/records/{recordId:guid}", (Guid id, Guid tableId, Guid recordId, RecordRequest body, Command command)
            => command.Run(id, Roles.Editor, w => w.UpdateRecord(tableId, recordId, body.Values)));
        api.MapDelete("/{id:guid}/tables/{tableId:guid}/records/{recordId:guid}", (Guid id, Guid tableId, Guid recordId, Command command)
            => command.Run(id, Roles.Editor, w => w.DeleteRecord(tableId, recordId), _ => Results.NoContent()));
        api.MapGet("/{id:guid}/tables/{tableId:guid}/records", RecordsAsync);
        api.MapGet("/{id:guid}/tables/{tableId:guid}/records/{recordId:guid}", RecordAsync);
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, WorkspaceReader reader, HttpRequest request, CancellationToken ct)
        => Paging(request, out var page, out var pageSize) is { } invalid ? invalid : Results.Ok(await reader.ListAsync(user, page, pageSize, ct));

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, WorkspaceReader reader, HttpResponse response, CancellationToken ct)
    {
        if (await reader.DetailsAsync(user, id, ct) is not { } details)
        {
            return Problem.NotFound("There is no such workspace.");
        }

        response.Headers.ETag = EntityTags.Format(details.Version);
        return Results.Ok(details);
    }

    private static async Task<IResult> HistoryAsync(Guid id, ClaimsPrincipal user, WorkspaceReader reader, CancellationToken ct, long fromVersion = 1, int limit = 100)
    {
        if (fromVersion < 1 || limit is < 1 or > 1000)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["query"] = ["fromVersion >= 1 and 1 <= limit <= 1000."] });
        }

        return await reader.HistoryAsync(user, id, fromVersion, limit, ct) is { } history ? Results.Ok(history) : Problem.NotFound("There is no such workspace.");
    }

    /// <summary>?filter.&lt;field&gt;=value (equality, repeatable over fields), ?sort=&lt;field&gt; or -&lt;field&gt;, ?page, ?pageSize.</summary>
    private static async Task<IResult> RecordsAsync(Guid id, Guid tableId, ClaimsPrincipal user, WorkspaceReader reader, HttpRequest request, CancellationToken ct)
    {
        if (await reader.DetailsAsync(user, id, ct) is not { } details || details.Tables.FirstOrDefault(t => t.Id == tableId) is not { } table)
        {
            return Problem.NotFound("There is no such table.");
        }

        if (Paging(request, out var page, out var pageSize) is { } invalid)
        {
            return invalid;
        }

        var fields = table.Fields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var filters = new Dictionary<string, string>();
        var errors = new Dictionary<string, string[]>();
        foreach (var (key, value) in request.Query.Where(q => q.Key.StartsWith("filter.", StringComparison.Ordinal)))
        {
            var field = key["filter.".Length..];
            if (fields.Contains(field))
            {
                filters[field] = value.ToString();
            }
            else
            {
                errors[key] = ["The table has no such field."];
            }
        }

        var sort = request.Query["sort"].ToString();
        var descending = sort.StartsWith('-');
        var sortField = sort.TrimStart('-');
        if (sortField.Length > 0 && !fields.Contains(sortField))
        {
            errors["sort"] = ["The table has no such field."];
        }

        return errors.Count > 0
            ? Problem.Validation(errors)
            : Results.Ok(await reader.RecordsAsync(user, tableId, filters, sortField.Length > 0 ? sortField : null, descending, page, pageSize, ct));
    }

    private static async Task<IResult> RecordAsync(Guid id, Guid tableId, Guid recordId, ClaimsPrincipal user, WorkspaceReader reader, CancellationToken ct)
        => await reader.DetailsAsync(user, id, ct) is not null && await reader.RecordAsync(user, tableId, recordId, ct) is { } record
            ? Results.Ok(record)
            : Problem.NotFound("There is no such record.");

    private static IResult? Paging(HttpRequest request, out int page, out int pageSize)
    {
        page = 1;
        pageSize = 50;
        var pageText = request.Query["page"].ToString();
        var sizeText = request.Query["pageSize"].ToString();
        var valid = (pageText.Length == 0 || int.TryParse(pageText, out page)) && (sizeText.Length == 0 || int.TryParse(sizeText, out pageSize));
        return valid && page >= 1 && page <= 100_000 && pageSize is >= 1 and <= MaxPageSize
            ? null
            : Problem.Validation(new Dictionary<string, string[]> { ["paging"] = [$"page >= 1 and 1 <= pageSize <= {MaxPageSize}."] });
    }

    /// <summary>A write command bound to its request: the caller, If-Match and cancellation, so routes stay one line each.</summary>
    internal sealed class Command(WorkspaceWriter writer, IHttpContextAccessor accessor)
    {
        private HttpContext Http => accessor.HttpContext!;

        public Task<IResult> Run(Guid workspaceId, string requiredRole, Func<Workspace, Decision> decide, Func<long, IResult>? respond = null)
            => writer.ExecuteAsync(Http.User, Http.Request, workspaceId, requiredRole, decide, respond ?? (_ => Results.NoContent()), Http.RequestAborted);
    }
}
