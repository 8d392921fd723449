using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using static Platform.IntegrationTests.Storage.ChunkCalls;

#pragma warning disable CA5351 // S3's ETags are MD5s by protocol: the tests compute them to compare

namespace Platform.IntegrationTests.Storage;

/// <summary>
/// The S3-compatible API driven by the real clients users have: the AWS SDK for .NET (with its defaults, which stream
/// an upload in signed chunks with a CRC32 trailer, and with plain signed payloads) and the MinIO client. Requests are
/// signed with access keys made through the file API's <c>POST /api/storage/keys</c>; a wrong or expired signature,
/// an unsigned request and another tenant's key are refused with S3's error codes.
/// </summary>
[Collection(StorageCollection.Name)]
[Trait("Category", "storage")]
public sealed class S3Tests(StorageFixture storage, ITestOutputHelper output)
{
    [Fact]
    public async Task The_AWS_SDK_with_its_defaults_creates_a_bucket_and_puts_gets_ranges_heads_lists_and_deletes_an_object()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        var bytes = Bytes(10_000_000, seed: 31);

        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "docs/report.bin", InputStream = new MemoryStream(bytes), ContentType = "application/pdf" });
        Assert.Equal(Quoted(Md5(bytes)), put.ETag);

        using (var get = await s3.GetObjectAsync(bucket, "docs/report.bin"))
        {
            Assert.Equal(bytes, await ReadAllAsync(get.ResponseStream));
            Assert.Equal("application/pdf", get.Headers.ContentType);
            Assert.Equal(put.ETag, get.ETag);
        }

        using (var range = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "docs/report.bin", ByteRange = new ByteRange(4_194_000, 4_195_999) }))
        {
            Assert.Equal(bytes[4_194_000..4_196_000], await ReadAllAsync(range.ResponseStream)); // across the 4 MiB chunk boundary
        }

        var head = await s3.GetObjectMetadataAsync(bucket, "docs/report.bin");
        Assert.Equal(bytes.Length, head.ContentLength);
        Assert.Equal(put.ETag, head.ETag);

        var listing = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        var entry = Assert.Single(listing.S3Objects);
        Assert.Equal(("docs/report.bin", (long)bytes.Length, put.ETag), (entry.Key, entry.Size ?? -1, entry.ETag));
        Assert.Contains((await s3.ListBucketsAsync()).Buckets, b => b.BucketName == bucket);

        await s3.DeleteObjectAsync(bucket, "docs/report.bin");
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync(bucket, "docs/report.bin"));
        Assert.Equal(("NoSuchKey", HttpStatusCode.NotFound), (missing.ErrorCode, missing.StatusCode));
        await s3.DeleteBucketAsync(bucket);
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket }));
        Assert.Equal("NoSuchBucket", gone.ErrorCode);
    }

    [Fact]
    public async Task The_AWS_SDK_signing_the_whole_payload_without_a_checksum_trailer_puts_an_object()
    {
        using var s3 = AwsClient(storage.UserKey, withChecksums: false);
        var bucket = await NewBucketAsync(s3);
        var bytes = Bytes(3_000_000, seed: 32);
        var put = await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "plain", InputStream = new MemoryStream(bytes), UseChunkEncoding = false });
        Assert.Equal(Quoted(Md5(bytes)), put.ETag);
        using var get = await s3.GetObjectAsync(bucket, "plain");
        Assert.Equal(bytes, await ReadAllAsync(get.ResponseStream));
    }

    [Fact]
    public async Task A_100_MB_multipart_upload_through_the_AWS_SDK_completes_with_S3s_multipart_ETag_and_reads_back_whole()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        const int PartSize = 5 << 20;
        var bytes = Bytes(100_000_000, seed: 33);
        var upload = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = "big.bin", ContentType = "video/mp4" });
        var etags = new List<PartETag>();
        var partMd5s = new List<byte[]>();
        for (int number = 1, offset = 0; offset < bytes.Length; number++, offset += PartSize)
        {
            var part = bytes.AsMemory(offset, Math.Min(PartSize, bytes.Length - offset)).ToArray();
            var uploaded = await s3.UploadPartAsync(new UploadPartRequest
            {
                BucketName = bucket, Key = "big.bin", UploadId = upload.UploadId, PartNumber = number, InputStream = new MemoryStream(part), PartSize = part.Length,
            });
            Assert.Equal(Quoted(Md5(part)), uploaded.ETag);
            etags.Add(new PartETag(number, uploaded.ETag));
            partMd5s.Add(MD5.HashData(part));
        }

        var listed = await s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "big.bin", UploadId = upload.UploadId });
        Assert.Equal(etags.Select(e => e.PartNumber), listed.Parts.Select(p => p.PartNumber));
        Assert.Equal(etags.Select(e => e.ETag), listed.Parts.Select(p => p.ETag));

        var completed = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "big.bin", UploadId = upload.UploadId, PartETags = etags,
        });
        var expected = $"\"{Convert.ToHexStringLower(MD5.HashData(partMd5s.SelectMany(m => m).ToArray()))}-{etags.Count}\"";
        Assert.Equal(expected, completed.ETag);

        using var get = await s3.GetObjectAsync(bucket, "big.bin");
        Assert.Equal(expected, get.ETag);
        Assert.Equal("video/mp4", get.Headers.ContentType);
        Assert.Equal(SHA256.HashData(bytes), await SHA256.HashDataAsync(get.ResponseStream));
        output.WriteLine($"100 MB in {etags.Count} parts, ETag {completed.ETag}");
    }

    [Fact]
    public async Task Completing_a_multipart_upload_with_a_wrong_ETag_or_a_small_middle_part_is_refused_and_an_aborted_upload_is_gone()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        var upload = await s3.InitiateMultipartUploadAsync(bucket, "parts.bin");
        var small = Bytes(1000, seed: 34);
        var first = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "parts.bin", UploadId = upload.UploadId, PartNumber = 1, InputStream = new MemoryStream(small) });
        var second = await s3.UploadPartAsync(new UploadPartRequest { BucketName = bucket, Key = "parts.bin", UploadId = upload.UploadId, PartNumber = 2, InputStream = new MemoryStream(small) });

        var wrongETag = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "parts.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, Quoted(Md5([1, 2, 3])))],
        }));
        Assert.Equal("InvalidPart", wrongETag.ErrorCode);
        var tooSmall = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket, Key = "parts.bin", UploadId = upload.UploadId, PartETags = [new PartETag(1, first.ETag), new PartETag(2, second.ETag)],
        }));
        Assert.Equal("EntityTooSmall", tooSmall.ErrorCode);
        var notFound = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, "parts.bin"));
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode); // nothing was published

        await s3.AbortMultipartUploadAsync(bucket, "parts.bin", upload.UploadId);
        var aborted = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.ListPartsAsync(new ListPartsRequest { BucketName = bucket, Key = "parts.bin", UploadId = upload.UploadId }));
        Assert.Equal("NoSuchUpload", aborted.ErrorCode);
    }

    [Fact]
    public async Task ListObjectsV2_rolls_keys_up_under_a_delimiter_and_pages_with_continuation_tokens_without_repeating_or_skipping()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        string[] keys = ["a/1", "a/2", "a/b/3", "b/1", "c", "d e+f", "é"];
        foreach (var key in keys)
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = key });
        }

        var top = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Delimiter = "/" });
        Assert.Equal(["c", "d e+f", "é"], top.S3Objects.Select(o => o.Key));
        Assert.Equal(["a/", "b/"], top.CommonPrefixes);
        Assert.Equal(5, top.KeyCount);

        var underA = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "a/", Delimiter = "/" });
        Assert.Equal(["a/1", "a/2"], underA.S3Objects.Select(o => o.Key));
        Assert.Equal(["a/b/"], underA.CommonPrefixes);

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 2, ContinuationToken = token });
            Assert.True(page.S3Objects.Count <= 2);
            seen.AddRange(page.S3Objects.Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        Assert.Equal(keys.Order(StringComparer.Ordinal), seen);
        using var get = await s3.GetObjectAsync(bucket, "d e+f");
        Assert.Equal("d e+f", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task DeleteObjects_removes_several_keys_and_CopyObject_copies_an_object_server_side()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        var bytes = Bytes(6_000_000, seed: 35);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "original", InputStream = new MemoryStream(bytes), ContentType = "image/png" });
        var copied = await s3.CopyObjectAsync(bucket, "original", bucket, "copy");
        Assert.Equal(Quoted(Md5(bytes)), copied.ETag);
        using (var get = await s3.GetObjectAsync(bucket, "copy"))
        {
            Assert.Equal(bytes, await ReadAllAsync(get.ResponseStream));
            Assert.Equal("image/png", get.Headers.ContentType);
        }

        var deleted = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = bucket, Objects = [new KeyVersion { Key = "original" }, new KeyVersion { Key = "copy" }, new KeyVersion { Key = "never-was" }],
        });
        Assert.Equal(["copy", "never-was", "original"], deleted.DeletedObjects.Select(d => d.Key).Order(StringComparer.Ordinal));
        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [Fact]
    public async Task A_presigned_GET_works_without_the_SDK_until_it_expires_and_a_tampered_signature_is_refused()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        var bytes = Bytes(100_000, seed: 36);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "shared.bin", InputStream = new MemoryStream(bytes) });
        using var http = new HttpClient();

        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket, Key = "shared.bin", Verb = HttpVerb.GET, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(5),
        });
        Assert.Equal(bytes, await http.GetByteArrayAsync(url));

        var signature = url[(url.IndexOf("X-Amz-Signature=", StringComparison.Ordinal) + "X-Amz-Signature=".Length)..][..64];
        var tampered = url.Replace(signature, (signature[0] == 'a' ? 'b' : 'a') + signature[1..], StringComparison.Ordinal);
        await AssertS3ErrorAsync(await http.GetAsync(tampered), HttpStatusCode.Forbidden, "SignatureDoesNotMatch");

        var otherKey = url.Replace("shared.bin", "other.bin", StringComparison.Ordinal); // the signature covers the path
        await AssertS3ErrorAsync(await http.GetAsync(otherKey), HttpStatusCode.Forbidden, "SignatureDoesNotMatch");

        var expired = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket, Key = "shared.bin", Verb = HttpVerb.GET, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddSeconds(1),
        });
        var refused = await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await http.GetAsync(expired);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            },
            r => r.StatusCode != HttpStatusCode.OK, TimeSpan.FromSeconds(30), "the presigned URL expires");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("<Code>AccessDenied</Code>", refused.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_presigned_PUT_stores_its_body_but_an_unsigned_header_added_to_it_is_refused()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "private", ContentBody = "not for the URL's holder" });
        var url = await s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
        {
            BucketName = bucket, Key = "upload", Verb = HttpVerb.PUT, Protocol = Protocol.HTTP, Expires = DateTime.UtcNow.AddMinutes(5),
        });
        using var http = new HttpClient();

        using var hijack = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent([]) };
        hijack.Headers.Add("x-amz-copy-source", $"/{bucket}/private"); // would turn the PUT into a copy of another object
        await AssertS3ErrorAsync(await http.SendAsync(hijack), HttpStatusCode.Forbidden, "AccessDenied");
        var notCopied = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectMetadataAsync(bucket, "upload"));
        Assert.Equal(HttpStatusCode.NotFound, notCopied.StatusCode);

        using (var put = await http.PutAsync(url, new ByteArrayContent("uploaded with the URL"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var get = await s3.GetObjectAsync(bucket, "upload");
        Assert.Equal("uploaded with the URL", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task Unsigned_requests_a_wrong_secret_and_an_unknown_key_are_refused_and_nothing_is_stored()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        using var http = new HttpClient { BaseAddress = storage.S3Endpoint };
        await AssertS3ErrorAsync(await http.PutAsync($"/{bucket}/anonymous", new ByteArrayContent([1, 2, 3])), HttpStatusCode.Forbidden, "AccessDenied");

        using var wrongSecret = AwsClient(storage.UserKey with { SecretAccessKey = storage.UserKey.SecretAccessKey[..^4] + "AAAA" });
        var mismatch = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            wrongSecret.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "forged", ContentBody = "forged" }));
        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (mismatch.ErrorCode, mismatch.StatusCode));

        using var unknown = AwsClient(new S3Key("PKAAAAAAAAAAAAAAAAAA", storage.UserKey.SecretAccessKey));
        var invalid = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => unknown.ListBucketsAsync());
        Assert.Equal(("InvalidAccessKeyId", HttpStatusCode.Forbidden), (invalid.ErrorCode, invalid.StatusCode));

        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_refused_whether_signed_in_chunks_or_whole_and_nothing_is_stored()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        var bytes = Bytes(300_000, seed: 39);

        using var chunked = AwsClient(storage.UserKey, tamper: true);
        var chunkSignature = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            chunked.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "tampered", InputStream = new MemoryStream(bytes) }));
        Assert.Equal(("SignatureDoesNotMatch", HttpStatusCode.Forbidden), (chunkSignature.ErrorCode, chunkSignature.StatusCode));

        using var whole = AwsClient(storage.UserKey, withChecksums: false, tamper: true);
        var payloadHash = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() =>
            whole.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "tampered", InputStream = new MemoryStream(bytes), UseChunkEncoding = false }));
        Assert.Equal(("XAmzContentSHA256Mismatch", HttpStatusCode.BadRequest), (payloadHash.ErrorCode, payloadHash.StatusCode));

        Assert.Empty((await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket })).S3Objects ?? []);
    }

    [Fact]
    public async Task Another_tenants_key_sees_none_of_the_buckets_or_objects()
    {
        using var s3 = AwsClient(storage.UserKey);
        var bucket = await NewBucketAsync(s3);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "private", ContentBody = "secret" });

        using var other = AwsClient(storage.OtherTenantKey);
        Assert.DoesNotContain((await other.ListBucketsAsync()).Buckets ?? [], b => b.BucketName == bucket);
        var read = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => other.GetObjectAsync(bucket, "private"));
        Assert.Equal(("NoSuchBucket", HttpStatusCode.NotFound), (read.ErrorCode, read.StatusCode));
        var write = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => other.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "private", ContentBody = "mine" }));
        Assert.Equal("NoSuchBucket", write.ErrorCode);

        using var get = await s3.GetObjectAsync(bucket, "private");
        Assert.Equal("secret", await new StreamReader(get.ResponseStream).ReadToEndAsync());
    }

    [Fact]
    public async Task The_MinIO_client_makes_a_bucket_and_puts_stats_gets_lists_and_removes_objects_small_and_multipart()
    {
        var minio = new MinioClient().WithEndpoint(storage.S3Endpoint.Host, storage.S3Endpoint.Port)
            .WithCredentials(storage.UserKey.AccessKeyId, storage.UserKey.SecretAccessKey).WithRegion("us-east-1").WithSSL(false).Build();
        try
        {
            var bucket = $"minio-{Guid.NewGuid():N}"[..30];
            Assert.False(await minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket)));
            await minio.MakeBucketAsync(new MakeBucketArgs().WithBucket(bucket));
            Assert.True(await minio.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket)));

            var small = Bytes(1_000_000, seed: 37);
            var large = Bytes(12_000_000, seed: 38); // above the client's multipart threshold
            foreach (var (key, bytes) in new[] { ("small.bin", small), ("large.bin", large) })
            {
                await minio.PutObjectAsync(new PutObjectArgs().WithBucket(bucket).WithObject(key).WithStreamData(new MemoryStream(bytes))
                    .WithObjectSize(bytes.Length).WithContentType("application/zip"));
                var stat = await minio.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject(key));
                Assert.Equal((bytes.Length, "application/zip"), (stat.Size, stat.ContentType));
                using var read = new MemoryStream();
                await minio.GetObjectAsync(new GetObjectArgs().WithBucket(bucket).WithObject(key).WithCallbackStream((s, ct) => s.CopyToAsync(read, ct)));
                Assert.Equal(bytes, read.ToArray());
            }

            var listed = new List<string>();
            await foreach (var item in minio.ListObjectsEnumAsync(new ListObjectsArgs().WithBucket(bucket).WithRecursive(true)))
            {
                listed.Add(item.Key);
            }

            Assert.Equal(["large.bin", "small.bin"], listed);
            await minio.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(bucket).WithObject("small.bin"));
            await Assert.ThrowsAsync<ObjectNotFoundException>(() => minio.StatObjectAsync(new StatObjectArgs().WithBucket(bucket).WithObject("small.bin")));
        }
        finally
        {
            minio.Dispose();
        }
    }

    /// <summary>
    /// The AWS SDK pointed at the S3 endpoint, path-style. With its defaults an upload streams in signed chunks with a
    /// CRC32 trailer; without checksums (only when an operation requires one) a payload is signed whole.
    /// </summary>
    private AmazonS3Client AwsClient(S3Key key, bool withChecksums = true, bool tamper = false) =>
        new(new BasicAWSCredentials(key.AccessKeyId, key.SecretAccessKey), new AmazonS3Config
        {
            HttpClientFactory = tamper ? new TamperingClients() : null,
            ServiceURL = storage.S3Endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = withChecksums ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = withChecksums ? ResponseChecksumValidation.WHEN_SUPPORTED : ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>HTTP clients that change one byte of a PUT's body after the SDK signed it, as a man in the middle would.</summary>
    private sealed class TamperingClients : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Tampering(new SocketsHttpHandler()));

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        private sealed class Tampering(HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Method == HttpMethod.Put && request.Content is { } content)
                {
                    var body = await content.ReadAsByteArrayAsync(cancellationToken);
                    body[body.Length / 2] ^= 0xFF; // inside the data, well clear of the chunk headers
                    var changed = new ByteArrayContent(body);
                    foreach (var header in content.Headers)
                    {
                        changed.Headers.TryAddWithoutValidation(header.Key, header.Value);
                    }

                    request.Content = changed;
                }

                return await base.SendAsync(request, cancellationToken);
            }
        }
    }

    private static async Task<string> NewBucketAsync(AmazonS3Client s3)
    {
        var bucket = $"b-{Guid.NewGuid():N}";
        await s3.PutBucketAsync(bucket);
        return bucket;
    }

    private static async Task AssertS3ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Contains($"<Code>{code}</Code>", body, StringComparison.Ordinal);
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static string Md5(byte[] bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    private static string Quoted(string etag) => $"\"{etag}\"";
}
