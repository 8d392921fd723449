using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using static Platform.Storage.S3.S3Xml;

namespace Platform.Storage.S3;

/// <summary>Where an S3 request points: the raw path and query as signed, the decoded query, the bucket and key.</summary>
internal sealed record S3Target(string RawPath, string RawQuery, IReadOnlyDictionary<string, string> Query, string Bucket, string Key)
{
    public static S3Target Of(HttpContext context)
    {
        var raw = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var question = raw.IndexOf('?');
        var rawPath = question < 0 ? raw : raw[..question];
        var rawQuery = question < 0 ? "" : raw[(question + 1)..];
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in SigV4.ParseQuery(rawQuery))
        {
            query.TryAdd(name, value);
        }

        var path = Uri.UnescapeDataString(rawPath).TrimStart('/');
        var slash = path.IndexOf('/');
        return new S3Target(rawPath, rawQuery, query, slash < 0 ? path : path[..slash], slash < 0 ? "" : path[(slash + 1)..]);
    }

    public bool Has(string name) => Query.ContainsKey(name);

    public string Resource => Key.Length == 0 ? $"/{Bucket}" : $"/{Bucket}/{Key}";
}

/// <summary>
/// The S3-compatible API on the storage service's own port (<c>s3</c>, 9000 by default; path-style addressing): requests
/// signed with SigV4 by an access key of the caller's tenant, answered in S3's XML. Buckets, objects (PutObject,
/// GetObject with ranges, HeadObject, DeleteObject, DeleteObjects, CopyObject), ListObjectsV2 and multipart uploads,
/// on the same chunk servers and metadata as the file API. What it does not implement answers 501 NotImplemented.
/// </summary>
internal sealed class S3Api(
    S3Authenticator authenticator, Buckets buckets, ObjectStore store, ObjectWriter writer, MultipartUploads uploads, ChunkServers servers, ILogger<S3Api> logger)
{
    private const int MaxListKeys = 1000;
    private const int MaxXmlBody = 2 << 20;

    private static readonly string[] Unsupported =
    [
        "acl", "tagging", "versioning", "versions", "policy", "lifecycle", "cors", "website", "replication", "encryption", "object-lock", "retention",
        "legal-hold", "notification", "logging", "requestPayment", "accelerate", "analytics", "inventory", "metrics", "ownershipControls",
        "publicAccessBlock", "intelligent-tiering", "attributes", "restore", "select", "torrent", "policyStatus",
    ];

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        context.Response.Headers["x-amz-request-id"] = requestId;
        var target = S3Target.Of(context);
        var cancellationToken = context.RequestAborted;
        try
        {
            var caller = await authenticator.AuthenticateAsync(context, target, cancellationToken);
            await DispatchAsync(context, caller, target, cancellationToken);
        }
        catch (S3Exception e) when (!context.Response.HasStarted)
        {
            await ErrorAsync(context, e, target.Resource, requestId);
        }
        catch (ObjectTooLargeException) when (!context.Response.HasStarted)
        {
            context.Response.Headers.Connection = "close";
            await ErrorAsync(context, TooLarge(), target.Resource, requestId);
        }
        catch (Exception e) when (e is NotEnoughServersException or RpcException or IOException && !cancellationToken.IsCancellationRequested && !context.Response.HasStarted)
        {
            logger.LogWarning("S3 {Method} {Resource} failed: {Error}", context.Request.Method, target.Resource, e.Message);
            context.Response.Headers.RetryAfter = "5";
            await ErrorAsync(context, new S3Exception(503, "ServiceUnavailable", "Not enough chunk servers answered; nothing was changed. Try again."),
                target.Resource, requestId);
        }
    }

    private Task DispatchAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        if (Unsupported.FirstOrDefault(target.Has) is { } feature)
        {
            throw new S3Exception(501, "NotImplemented", $"The '{feature}' subresource is not implemented here.");
        }

        if (target.Bucket.Length == 0)
        {
            return HttpMethods.IsGet(method) ? ListBucketsAsync(context, caller, cancellationToken) : throw MethodNotAllowed();
        }

        if (target.Key.Length == 0)
        {
            return method switch
            {
                _ when HttpMethods.IsPut(method) => CreateBucketAsync(context, caller, target, cancellationToken),
                _ when HttpMethods.IsHead(method) => buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken),
                _ when HttpMethods.IsDelete(method) => DeleteBucketAsync(context, caller, target, cancellationToken),
                _ when HttpMethods.IsGet(method) && target.Has("location") => GetBucketLocationAsync(context, caller, target, cancellationToken),
                _ when HttpMethods.IsGet(method) && target.Has("uploads") => throw new S3Exception(501, "NotImplemented", "ListMultipartUploads is not implemented here."),
                _ when HttpMethods.IsGet(method) => ListObjectsAsync(context, caller, target, cancellationToken),
                _ when HttpMethods.IsPost(method) && target.Has("delete") => DeleteObjectsAsync(context, caller, target, cancellationToken),
                _ => throw MethodNotAllowed(),
            };
        }

        if (Encoding.UTF8.GetByteCount(target.Key) > 1024 || target.Key.Contains('\0', StringComparison.Ordinal))
        {
            throw new S3Exception(400, "KeyTooLongError", "A key is at most 1024 bytes of UTF-8, without NUL.");
        }

        return method switch
        {
            _ when HttpMethods.IsPut(method) && target.Has("uploadId") => UploadPartAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsPut(method) && context.Request.Headers.ContainsKey("x-amz-copy-source") => CopyObjectAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsPut(method) => PutObjectAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsGet(method) && target.Has("uploadId") => ListPartsAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsGet(method) || HttpMethods.IsHead(method) => GetObjectAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsDelete(method) && target.Has("uploadId") => AbortAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsDelete(method) => DeleteObjectAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsPost(method) && target.Has("uploads") => CreateUploadAsync(context, caller, target, cancellationToken),
            _ when HttpMethods.IsPost(method) && target.Has("uploadId") => CompleteAsync(context, caller, target, cancellationToken),
            _ => throw MethodNotAllowed(),
        };
    }

    private async Task ListBucketsAsync(HttpContext context, S3Caller caller, CancellationToken cancellationToken)
    {
        var owner = E("Owner", E("ID", caller.TenantId.ToString("N")), E("DisplayName", caller.TenantId.ToString("N")));
        var list = await buckets.ListAsync(caller.TenantId, cancellationToken);
        await WriteAsync(context, E("ListAllMyBucketsResult", owner, E("Buckets", list.Select(b => E("Bucket", E("Name", b.Name), E("CreationDate", Date(b.CreatedAt)))))));
    }

    private async Task CreateBucketAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        Buckets.Validate(target.Bucket);
        await ReadSmallBodyAsync(context, caller, cancellationToken); // a CreateBucketConfiguration, if any: the one region there is
        if (!await buckets.CreateAsync(caller.TenantId, target.Bucket, cancellationToken))
        {
            throw new S3Exception(409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.");
        }

        context.Response.Headers.Location = $"/{target.Bucket}";
    }

    private async Task DeleteBucketAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.DeleteAsync(caller.TenantId, target.Bucket, cancellationToken);
        context.Response.StatusCode = 204;
    }

    private async Task GetBucketLocationAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken);
        await WriteAsync(context, E("LocationConstraint")); // empty: us-east-1, the one region
    }

    /// <summary>ListObjectsV2 (<c>list-type=2</c>), and the original ListObjects with a marker.</summary>
    private async Task ListObjectsAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        var query = target.Query;
        var v2 = query.GetValueOrDefault("list-type") == "2";
        var prefix = query.GetValueOrDefault("prefix", "");
        var delimiter = query.GetValueOrDefault("delimiter", "");
        var urlEncoded = query.GetValueOrDefault("encoding-type") == "url";
        var maxKeys = MaxListKeys;
        if (query.TryGetValue("max-keys", out var maxText) && (!int.TryParse(maxText, NumberStyles.None, CultureInfo.InvariantCulture, out maxKeys) || maxKeys < 0))
        {
            throw S3Exception.InvalidArgument("max-keys is a whole number of 0 or more.");
        }

        maxKeys = Math.Min(maxKeys, MaxListKeys);
        var token = query.GetValueOrDefault("continuation-token");
        var after = v2
            ? token is null ? query.GetValueOrDefault("start-after", "") : DecodeToken(token)
            : query.GetValueOrDefault("marker", "");
        var (contents, prefixes, resumeAfter, truncated) = await ListPageAsync(caller.TenantId, target.Bucket, prefix, delimiter, after, maxKeys, cancellationToken);
        if (contents.Count + prefixes.Count == 0)
        {
            await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken); // an empty page: of an empty bucket, or of none
        }

        var listing = E("ListBucketResult",
            E("Name", target.Bucket), E("Prefix", Key(prefix, urlEncoded)), Optional("Delimiter", Key(delimiter, urlEncoded)), E("MaxKeys", maxKeys),
            Optional("EncodingType", urlEncoded ? "url" : null), E("IsTruncated", truncated ? "true" : "false"));
        if (v2)
        {
            listing.Add(E("KeyCount", contents.Count + prefixes.Count), Optional("ContinuationToken", token),
                Optional("NextContinuationToken", truncated ? EncodeToken(resumeAfter) : null), Optional("StartAfter", Key(query.GetValueOrDefault("start-after", ""), urlEncoded)));
        }
        else
        {
            listing.Add(E("Marker", Key(after, urlEncoded)), Optional("NextMarker", truncated && delimiter.Length > 0 ? Key(resumeAfter, urlEncoded) : null));
        }

        listing.Add(contents.Select(o => E("Contents",
            E("Key", Key(o.Key, urlEncoded)), E("LastModified", Date(o.CreatedAt)), E("ETag", Quoted(o.ETag ?? o.Sha256 ?? "")), E("Size", o.Size), E("StorageClass", "STANDARD"))));
        listing.Add(prefixes.Select(p => E("CommonPrefixes", E("Prefix", Key(p, urlEncoded)))));
        await WriteAsync(context, listing);
    }

    /// <summary>
    /// Up to <paramref name="maxKeys"/> entries after <paramref name="after"/>: keys, and with a delimiter the common
    /// prefixes that roll up the keys under them (each counted once, the keys under it skipped with one query). Returns
    /// what to resume after and whether anything is left.
    /// </summary>
    private async Task<(List<ObjectSummary> Contents, List<string> Prefixes, string ResumeAfter, bool Truncated)> ListPageAsync(
        Guid tenantId, string bucket, string prefix, string delimiter, string after, int maxKeys, CancellationToken cancellationToken)
    {
        const string PastEverything = "\U0010FFFF"; // sorts after any character under COLLATE "C": resuming after prefix + it skips the prefix's keys
        var contents = new List<ObjectSummary>();
        var prefixes = new List<string>();
        while (contents.Count + prefixes.Count < maxKeys)
        {
            var wanted = maxKeys - contents.Count - prefixes.Count;
            var page = await store.ListAsync(tenantId, bucket, prefix, after, wanted, cancellationToken);
            var rolledUp = false;
            foreach (var summary in page)
            {
                var at = delimiter.Length == 0 ? -1 : summary.Key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var common = summary.Key[..(at + delimiter.Length)];
                    prefixes.Add(common);
                    after = common + PastEverything;
                    rolledUp = true;
                    break;
                }

                contents.Add(summary);
                after = summary.Key;
            }

            if (!rolledUp && page.Count < wanted)
            {
                return (contents, prefixes, after, false);
            }
        }

        var more = maxKeys > 0 && (await store.ListAsync(tenantId, bucket, prefix, after, 1, cancellationToken)).Count > 0;
        return (contents, prefixes, after, more);
    }

    private async Task DeleteObjectsAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken);
        var body = await ReadSmallBodyAsync(context, caller, cancellationToken);
        var request = Parse(body);
        var quiet = string.Equals(Child(request, "Quiet"), "true", StringComparison.OrdinalIgnoreCase);
        var keys = Children(request, "Object").Select(o => Child(o, "Key") ?? "").ToList();
        if (keys.Count is 0 or > MaxListKeys)
        {
            throw new S3Exception(400, "MalformedXML", $"A delete names 1 to {MaxListKeys} objects.");
        }

        var result = E("DeleteResult");
        foreach (var key in keys)
        {
            if (key.Length == 0 || Encoding.UTF8.GetByteCount(key) > 1024)
            {
                result.Add(E("Error", E("Key", key), E("Code", "InvalidArgument"), E("Message", "A key is 1 to 1024 bytes of UTF-8.")));
                continue;
            }

            await store.DeleteAsync(caller.TenantId, target.Bucket, key, cancellationToken);
            if (!quiet)
            {
                result.Add(E("Deleted", E("Key", key)));
            }
        }

        await WriteAsync(context, result);
    }

    private async Task PutObjectAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken);
        var contentType = ContentTypeOf(context);
        var stored = await WriteBodyAsync(context, caller, written => store.CommitAsync(caller.TenantId, target.Bucket, target.Key, contentType, written, cancellationToken),
            cancellationToken);
        context.Response.Headers.ETag = Quoted(stored.ETag!);
    }

    private async Task GetObjectAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        var stored = await FindAsync(caller, target.Bucket, target.Key, cancellationToken);
        var etag = new EntityTagHeaderValue(Quoted(stored.ETag ?? stored.Sha256 ?? ""));
        if (HttpMethods.IsHead(context.Request.Method))
        {
            var headers = context.Response.GetTypedHeaders();
            headers.ContentLength = stored.Size;
            headers.ETag = etag;
            headers.LastModified = stored.CreatedAt;
            context.Response.ContentType = stored.ContentType;
            context.Response.Headers.AcceptRanges = "bytes";
            return;
        }

        await Results.Stream(new ObjectReadStream(servers, stored), stored.ContentType, lastModified: stored.CreatedAt, entityTag: etag, enableRangeProcessing: true)
            .ExecuteAsync(context);
    }

    private async Task DeleteObjectAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        if (!await store.DeleteAsync(caller.TenantId, target.Bucket, target.Key, cancellationToken))
        {
            await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken); // S3 answers 204 whether or not the key existed, in a bucket that does
        }

        context.Response.StatusCode = 204;
    }

    /// <summary>An object, or S3's NoSuchKey or NoSuchBucket (the bucket is looked up only when the key is missing).</summary>
    private async Task<StoredObject> FindAsync(S3Caller caller, string bucket, string key, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(caller.TenantId, bucket, key, cancellationToken) is { } stored)
        {
            return stored;
        }

        await buckets.RequireAsync(caller.TenantId, bucket, cancellationToken);
        throw S3Exception.NoSuchKey(key);
    }

    /// <summary>CopyObject: the source's bytes streamed through this service into a new object (chunks are not shared between objects).</summary>
    private async Task CopyObjectAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken);
        var source = Uri.UnescapeDataString(context.Request.Headers["x-amz-copy-source"].ToString().Split('?')[0]).TrimStart('/');
        var slash = source.IndexOf('/');
        if (slash <= 0 || slash == source.Length - 1)
        {
            throw S3Exception.InvalidArgument("x-amz-copy-source is /bucket/key.");
        }

        var original = await FindAsync(caller, source[..slash], source[(slash + 1)..], cancellationToken);
        var contentType = string.Equals(context.Request.Headers["x-amz-metadata-directive"], "REPLACE", StringComparison.OrdinalIgnoreCase)
            ? ContentTypeOf(context)
            : original.ContentType;
        await using var bytes = new ObjectReadStream(servers, original);
        var copy = await writer.WriteAsync(bytes, original.Size, md5: true,
            written => store.CommitAsync(caller.TenantId, target.Bucket, target.Key, contentType, written, cancellationToken), cancellationToken);
        await WriteAsync(context, E("CopyObjectResult", E("LastModified", Date(copy.CreatedAt)), E("ETag", Quoted(copy.ETag!))));
    }

    private async Task CreateUploadAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await buckets.RequireAsync(caller.TenantId, target.Bucket, cancellationToken);
        var uploadId = await uploads.CreateAsync(caller.TenantId, target.Bucket, target.Key, ContentTypeOf(context), cancellationToken);
        await WriteAsync(context, E("InitiateMultipartUploadResult", E("Bucket", target.Bucket), E("Key", target.Key), E("UploadId", uploadId.ToString("N"))));
    }

    private async Task UploadPartAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        if (context.Request.Headers.ContainsKey("x-amz-copy-source"))
        {
            throw new S3Exception(501, "NotImplemented", "UploadPartCopy is not implemented here.");
        }

        var uploadId = UploadIdOf(target);
        if (!int.TryParse(target.Query.GetValueOrDefault("partNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var partNumber) ||
            partNumber is < 1 or > MultipartUploads.MaxPartNumber)
        {
            throw S3Exception.InvalidArgument($"Part number must be an integer between 1 and {MultipartUploads.MaxPartNumber}, inclusive.");
        }

        await uploads.RequireAsync(caller.TenantId, target.Bucket, target.Key, uploadId, cancellationToken);
        var md5 = await WriteBodyAsync(context, caller, async written =>
        {
            await uploads.PutPartAsync(caller.TenantId, uploadId, partNumber, written, cancellationToken);
            return written.Md5!;
        }, cancellationToken);
        context.Response.Headers.ETag = Quoted(md5);
    }

    private async Task ListPartsAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        var uploadId = UploadIdOf(target);
        var parts = await uploads.PartsAsync(caller.TenantId, target.Bucket, target.Key, uploadId, cancellationToken);
        _ = int.TryParse(target.Query.GetValueOrDefault("part-number-marker"), NumberStyles.None, CultureInfo.InvariantCulture, out var marker);
        var maxParts = int.TryParse(target.Query.GetValueOrDefault("max-parts"), NumberStyles.None, CultureInfo.InvariantCulture, out var most) ? Math.Min(most, 1000) : 1000;
        var after = parts.Where(p => p.PartNumber > marker).ToList();
        var page = after.Take(maxParts).ToList();
        var truncated = after.Count > page.Count;
        await WriteAsync(context, E("ListPartsResult",
            E("Bucket", target.Bucket), E("Key", target.Key), E("UploadId", uploadId.ToString("N")), E("PartNumberMarker", marker),
            E("NextPartNumberMarker", page.Count > 0 ? page[^1].PartNumber : marker), E("MaxParts", maxParts), E("IsTruncated", truncated ? "true" : "false"),
            E("StorageClass", "STANDARD"),
            page.Select(p => E("Part", E("PartNumber", p.PartNumber), E("LastModified", Date(p.CreatedAt)), E("ETag", Quoted(p.Md5)), E("Size", p.Size)))));
    }

    private async Task CompleteAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        var uploadId = UploadIdOf(target);
        var request = Parse(await ReadSmallBodyAsync(context, caller, cancellationToken));
        var parts = Children(request, "Part").Select(p =>
            int.TryParse(Child(p, "PartNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && Child(p, "ETag") is { } etag
                ? (number, etag)
                : throw new S3Exception(400, "MalformedXML", "Each Part names its PartNumber and ETag.")).ToList();
        var stored = await uploads.CompleteAsync(caller.TenantId, target.Bucket, target.Key, uploadId, parts, cancellationToken);
        await WriteAsync(context, E("CompleteMultipartUploadResult",
            E("Location", $"{context.Request.Scheme}://{context.Request.Host}/{target.Bucket}/{target.Key}"), E("Bucket", target.Bucket), E("Key", target.Key),
            E("ETag", Quoted(stored.ETag!))));
    }

    private async Task AbortAsync(HttpContext context, S3Caller caller, S3Target target, CancellationToken cancellationToken)
    {
        await uploads.AbortAsync(caller.TenantId, target.Bucket, target.Key, UploadIdOf(target), cancellationToken);
        context.Response.StatusCode = 204;
    }

    /// <summary>
    /// Streams the request's body (decoded and checked when <c>aws-chunked</c>) into chunks, and runs
    /// <paramref name="commit"/> only once the bytes are the ones the client signed: the hex payload hash it signed, or
    /// every chunk signature and the trailer's checksum.
    /// </summary>
    private async Task<T> WriteBodyAsync<T>(HttpContext context, S3Caller caller, Func<WrittenBytes, Task<T>> commit, CancellationToken cancellationToken)
    {
        var (body, length) = Payload(context, caller);
        if (length > ObjectWriter.MaxObjectBytes)
        {
            context.Response.Headers.Connection = "close";
            throw TooLarge();
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null; // objects are limited by ObjectWriter, counted as bytes arrive
        }

        await using (body == context.Request.Body ? null : body)
        {
            return await writer.WriteAsync(body, length, md5: true, written =>
            {
                VerifyDigests(context, caller, written.Sha256, written.Md5!);
                return commit(written);
            }, cancellationToken);
        }
    }

    /// <summary>A small XML body, read whole (at most 2 MiB) and checked against the payload hash or Content-MD5 sent.</summary>
    private static async Task<byte[]> ReadSmallBodyAsync(HttpContext context, S3Caller caller, CancellationToken cancellationToken)
    {
        var tooBig = new S3Exception(400, "MaxMessageLengthExceeded", "Your request was too big.");
        var (body, length) = Payload(context, caller);
        if (length > MaxXmlBody)
        {
            throw tooBig;
        }

        using var buffer = new MemoryStream();
        await using (body == context.Request.Body ? null : body)
        {
            await body.CopyToAsync(buffer, cancellationToken);
        }

        if (buffer.Length > MaxXmlBody)
        {
            throw tooBig;
        }

        var bytes = buffer.ToArray();
#pragma warning disable CA5351 // S3's ETags and Content-MD5 are MD5 by protocol: an integrity check, not a security one
        VerifyDigests(context, caller, SigV4.Sha256Hex(bytes), Convert.ToHexStringLower(MD5.HashData(bytes)));
#pragma warning restore CA5351
        return bytes;
    }

    /// <summary>
    /// The body received is the one the client signed (a hex <c>x-amz-content-sha256</c>) and the one it sent
    /// (<c>Content-MD5</c>), when it names them; checked before anything is stored or done.
    /// </summary>
    private static void VerifyDigests(HttpContext context, S3Caller caller, string sha256Hex, string md5Hex)
    {
        var signed = caller.Request.PayloadHash;
        if (signed.Length == 64 && !string.Equals(signed, sha256Hex, StringComparison.OrdinalIgnoreCase))
        {
            throw new S3Exception(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        if (context.Request.Headers.ContentMD5.FirstOrDefault() is { } sent && sent != Convert.ToBase64String(Convert.FromHexString(md5Hex)))
        {
            throw new S3Exception(400, "BadDigest", "The Content-MD5 you specified did not match what we received.");
        }
    }

    /// <summary>The body as the client meant it, and its length: <c>aws-chunked</c> bodies decoded and verified as they are read.</summary>
    private static (Stream Body, long? Length) Payload(HttpContext context, S3Caller caller)
    {
        var headers = context.Request.Headers;
        var crc32 = headers["x-amz-checksum-crc32"].FirstOrDefault();
        var checksums = headers.Keys.Where(h => h.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase)).Concat(headers["x-amz-trailer"].Select(t => t ?? ""));
        string[] understood = ["x-amz-checksum-crc32", "x-amz-checksum-type", "x-amz-checksum-mode"];
        if (checksums.FirstOrDefault(h => h.Length > 0 && !understood.Contains(h, StringComparer.OrdinalIgnoreCase)) is { } other)
        {
            throw new S3Exception(501, "NotImplemented", $"Only CRC32 checksums are checked here; '{other}' is not.");
        }

        var payloadHash = caller.Request.PayloadHash;
        if (!payloadHash.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            return (crc32 is null ? context.Request.Body : new Crc32CheckedStream(context.Request.Body, crc32), context.Request.ContentLength);
        }

        if (!long.TryParse(headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decodedLength))
        {
            throw new S3Exception(411, "MissingContentLength", "A streaming upload sends x-amz-decoded-content-length.");
        }

        ChunkSigner? signer = payloadHash switch
        {
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" or "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => new ChunkSigner(caller.SigningKey, caller.Request),
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => null,
            _ => throw new S3Exception(501, "NotImplemented", $"The payload form {payloadHash} is not implemented here."),
        };
        return (new AwsChunkedStream(context.Request.Body, signer, payloadHash.EndsWith("-TRAILER", StringComparison.Ordinal), decodedLength, crc32), decodedLength);
    }

    private static string ContentTypeOf(HttpContext context) =>
        string.IsNullOrWhiteSpace(context.Request.ContentType) ? "binary/octet-stream" : context.Request.ContentType;

    private static Guid UploadIdOf(S3Target target) =>
        Guid.TryParseExact(target.Query.GetValueOrDefault("uploadId"), "N", out var uploadId) ? uploadId : throw S3Exception.NoSuchUpload(target.Query.GetValueOrDefault("uploadId") ?? "");

    private static string EncodeToken(string after) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(after));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw S3Exception.InvalidArgument("The continuation token provided is incorrect.");
        }
    }

    private static S3Exception TooLarge() => new(400, "EntityTooLarge", $"Your proposed upload exceeds the maximum allowed object size ({ObjectWriter.MaxObjectBytes} bytes).");

    private static S3Exception MethodNotAllowed() => new(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
}
