using System.Buffers.Text;
using System.Text;
using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Storage;

public sealed record FileView(string Key, long Size, string Sha256, string ContentType, int Chunks);

public sealed record ChunkView(int Index, string ChunkId, long Offset, long Size, string Sha256, IReadOnlyList<string> Servers);

public sealed record FileMetadata(string Key, long Size, string ContentType, string Sha256, DateTimeOffset Created, IReadOnlyList<ChunkView> Chunks);

public sealed record FileSummary(string Key, long Size, string ContentType, string Sha256, DateTimeOffset CreatedAt);

public sealed record FileList(IReadOnlyList<FileSummary> Files, string? NextCursor);

/// <summary>
/// The seed's file API, reached through the gateway's <c>/api/storage</c> with a user's token; files belong to the
/// caller's tenant (another tenant's key is a 404).
/// </summary>
internal static partial class FileEndpoints
{
    public static void MapFileEndpoints(this WebApplication app)
    {
        var files = app.MapGroup("/api/storage/files").RequireAuthorization();
        files.MapPut("/{key}", PutAsync);
        files.MapGet("/{key}", GetAsync);
        files.MapGet("/{key}/metadata", MetadataAsync);
        files.MapGet("/", ListAsync);
        files.MapDelete("/{key}", DeleteAsync);
    }

    private static async Task<IResult> PutAsync(string key, HttpContext context, ObjectWriter writer, ObjectStore store, ILoggerFactory loggers)
    {
        if (KeyProblem(key) is { } invalid)
        {
            return invalid;
        }

        var contentType = MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var parsed) ? parsed.MediaType.Value : null;
        if (contentType is null || !writer.AllowedContentTypes.Contains(contentType))
        {
            return Problem.Of(415, ProblemTypes.UnsupportedMediaType, "Unsupported media type",
                $"A file's Content-Type is one of {string.Join(", ", writer.AllowedContentTypes.Order(StringComparer.Ordinal))}; '{context.Request.ContentType}' is not.");
        }

        if (context.Request.ContentLength > ObjectWriter.MaxObjectBytes)
        {
            return TooLarge(context); // before a byte is read: a client waiting on 100-continue never sends it
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // this route takes objects; the limit is ObjectWriter's, counted as bytes arrive
        }

        try
        {
            var tenantId = context.User.GetTenantId();
            var stored = await writer.WriteAsync(context.Request.Body, context.Request.ContentLength, md5: false,
                written => store.CommitAsync(tenantId, ObjectStore.Files, key, contentType.ToLowerInvariant(), written, context.RequestAborted), context.RequestAborted);
            return Results.Created($"/api/storage/files/{Uri.EscapeDataString(key)}", new FileView(key, stored.Size, stored.Sha256!, stored.ContentType, stored.Chunks.Count));
        }
        catch (ObjectTooLargeException)
        {
            return TooLarge(context);
        }
        catch (Exception e) when (e is NotEnoughServersException or RpcException or IOException && !context.RequestAborted.IsCancellationRequested)
        {
            loggers.CreateLogger("Platform.Storage.Upload").LogWarning("Upload of {Key} failed: {Error}", key, e.Message);
            context.Response.Headers.RetryAfter = "5";
            return Problem.Of(503, ProblemTypes.DependencyUnavailable, "Storage unavailable", "The file could not be stored on enough chunk servers; nothing was kept. Try again.");
        }
    }

    private static async Task<IResult> GetAsync(string key, HttpContext context, ObjectStore store, ChunkServers servers)
    {
        if (KeyProblem(key) is { } invalid)
        {
            return invalid;
        }

        var stored = await store.FindAsync(context.User.GetTenantId(), ObjectStore.Files, key, context.RequestAborted);
        return stored is null
            ? Problem.NotFound($"There is no file '{key}'.")
            : Results.Stream(new ObjectReadStream(servers, stored), stored.ContentType, lastModified: stored.CreatedAt,
                entityTag: new EntityTagHeaderValue($"\"{stored.Sha256}\""), enableRangeProcessing: true);
    }

    private static async Task<IResult> MetadataAsync(string key, HttpContext context, ObjectStore store)
    {
        if (KeyProblem(key) is { } invalid)
        {
            return invalid;
        }

        var stored = await store.FindAsync(context.User.GetTenantId(), ObjectStore.Files, key, context.RequestAborted);
        return stored is null
            ? Problem.NotFound($"There is no file '{key}'.")
            : Results.Ok(new FileMetadata(key, stored.Size, stored.ContentType, stored.Sha256!, stored.CreatedAt,
                stored.Chunks.Select(c => new ChunkView(c.Seq, c.ChunkId, c.Offset, c.Size, c.Sha256, c.Servers)).ToList()));
    }

    private static async Task<IResult> ListAsync(HttpContext context, ObjectStore store, string? prefix, int? limit, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        if (limit is < 1 or > 1000)
        {
            errors["limit"] = ["limit is 1 to 1000."];
        }

        var after = "";
        if (cursor is not null && !TryDecodeCursor(cursor, out after))
        {
            errors["cursor"] = ["The cursor is not one this API returned."];
        }

        if (prefix is { Length: > 1024 })
        {
            errors["prefix"] = ["A prefix is at most 1024 characters."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var size = limit ?? 100;
        var page = await store.ListAsync(context.User.GetTenantId(), ObjectStore.Files, prefix ?? "", after, size + 1, context.RequestAborted);
        var files = page.Take(size).Select(o => new FileSummary(o.Key, o.Size, o.ContentType, o.Sha256!, o.CreatedAt)).ToList();
        return Results.Ok(new FileList(files, page.Count > size ? EncodeCursor(page[size - 1].Key) : null));
    }

    private static async Task<IResult> DeleteAsync(string key, HttpContext context, ObjectStore store)
    {
        if (KeyProblem(key) is { } invalid)
        {
            return invalid;
        }

        return await store.DeleteAsync(context.User.GetTenantId(), ObjectStore.Files, key, context.RequestAborted)
            ? Results.NoContent()
            : Problem.NotFound($"There is no file '{key}'.");
    }

    private static IResult? KeyProblem(string key) => FileKey().IsMatch(key)
        ? null
        : Problem.Validation(new Dictionary<string, string[]> { ["key"] = ["A key is 1 to 1024 letters, digits, '.', '-' or '_'."] });

    private static IResult TooLarge(HttpContext context)
    {
        context.Response.Headers.Connection = "close"; // the rest of the body is not read
        return Problem.Of(413, ProblemTypes.PayloadTooLarge, "Payload too large", $"A file is at most {ObjectWriter.MaxObjectBytes} bytes (10 GiB).");
    }

    /// <summary>The cursor is the last key of the page (base64url): the next page starts after it, whatever was written meanwhile.</summary>
    private static string EncodeCursor(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey));

    private static bool TryDecodeCursor(string cursor, out string lastKey)
    {
        lastKey = "";
        try
        {
            lastKey = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return FileKey().IsMatch(lastKey);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,1024}$")]
    private static partial Regex FileKey();
}
