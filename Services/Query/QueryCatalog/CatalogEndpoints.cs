using Platform.Query.Contracts;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.QueryCatalog;

/// <summary>
/// The catalog's HTTP interface, called by the operation nodes with the user's token: the tenant is the token's, so a
/// tenant reads and changes only its own tables. Partition discovery (<c>GET /tables?name=</c>), CREATE and DROP, the
/// nodes that missed a drop, what an ingest left in each partition, and a caught-up copy marked fresh.
/// </summary>
internal static class CatalogEndpoints
{
    private const int MaxNameLength = 63; // PostgreSQL's identifier length, as the SQL the tables are named in

    public static void MapCatalogEndpoints(this WebApplication app)
    {
        var tables = app.MapGroup("/tables").RequireAuthorization();
        tables.MapGet("/", FindAsync);
        tables.MapPost("/", CreateAsync);
        tables.MapDelete("/{name}", DropAsync);
        tables.MapGet("/{name}/missed-drops", MissedDropsAsync);
        tables.MapPost("/{name}/drops", RecordDropsAsync);
        tables.MapPost("/{name}/ingests", RecordIngestAsync);
        tables.MapPost("/{name}/partitions/{partition:int}/fresh", MarkFreshAsync);
    }

    private static async Task<IResult> FindAsync(string[]? name, HttpContext context, MetadataCatalog catalog)
        => name is not { Length: > 0 } || name.Any(n => !Named(n))
            ? Problem.Validation(new Dictionary<string, string[]> { ["name"] = [$"One or more table names of 1 to {MaxNameLength} characters are required."] })
            : Results.Ok(await catalog.FindAsync(context.User.GetTenantId(), name, context.RequestAborted));

    private static async Task<IResult> CreateAsync(CreateTableRequest request, HttpContext context, MetadataCatalog catalog)
    {
        var table = request.Table;
        var errors = new Dictionary<string, string[]>();
        if (!Named(table.Name))
        {
            errors["table.name"] = [$"A table name is 1 to {MaxNameLength} characters."];
        }

        if (table.Method is not ("HASH" or "RANGE"))
        {
            errors["table.method"] = ["HASH or RANGE."];
        }

        if (table.Partitions < 1 || table.Columns.Count == 0 || table.Columns.All(c => c.Name != table.PartitionColumn))
        {
            errors["table"] = ["A table has columns, one of them its partition column, and at least one partition."];
        }

        if (request.Nodes.Count == 0)
        {
            errors["nodes"] = ["The tenant nodes to place partitions on are required."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        return await catalog.CreateAsync(context.User.GetTenantId(), table, request.Nodes, [.. request.Unready], context.RequestAborted)
            ? Results.Created($"/tables/{table.Name}", null)
            : Problem.Conflict($"relation \"{table.Name}\" already exists");
    }

    private static async Task<IResult> DropAsync(string name, HttpContext context, MetadataCatalog catalog)
        => await catalog.DropAsync(context.User.GetTenantId(), name, context.RequestAborted)
            ? Results.NoContent()
            : Problem.NotFound($"relation \"{name}\" does not exist");

    private static async Task<IResult> MissedDropsAsync(string name, HttpContext context, MetadataCatalog catalog)
        => Results.Ok(await catalog.MissedDropsAsync(context.User.GetTenantId(), name, context.RequestAborted));

    private static async Task<IResult> RecordDropsAsync(string name, DropsRequest request, HttpContext context, MetadataCatalog catalog)
    {
        await catalog.RecordDropsAsync(context.User.GetTenantId(), name, request.Missed, request.Done, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> RecordIngestAsync(string name, IngestRecord request, HttpContext context, MetadataCatalog catalog)
    {
        await catalog.RecordIngestAsync(context.User.GetTenantId(), name, request.Partitions, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> MarkFreshAsync(string name, int partition, FreshRequest request, HttpContext context, MetadataCatalog catalog)
        => Results.Ok(new FreshResult(await catalog.MarkFreshAsync(context.User.GetTenantId(), name, partition, request.Node, request.Misses, request.Stats, context.RequestAborted)));

    private static bool Named(string name) => name.Length is > 0 and <= MaxNameLength;
}
