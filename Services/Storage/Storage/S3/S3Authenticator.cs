namespace Platform.Storage.S3;

/// <summary>Who sent an S3 request, proven by its signature, and what a streaming body's chunk signatures continue from.</summary>
internal sealed record S3Caller(Guid TenantId, Guid UserId, SignedRequest Request, byte[] SigningKey);

/// <summary>
/// Checks an S3 request's SigV4 signature (header or presigned URL) against the secret of the access key it names: the
/// key must exist, the time must be within 15 minutes of now (a presigned URL: from its date until it expires), and the
/// signature must be the one the server computes over the same canonical request.
/// </summary>
internal sealed class S3Authenticator(AccessKeys keys, TimeProvider clock, ILogger<S3Authenticator> logger)
{
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(15);

    public async Task<S3Caller> AuthenticateAsync(HttpContext context, S3Target target, CancellationToken cancellationToken)
    {
        var headers = context.Request.Headers;
        var request = SigV4.FromHeader(headers.Authorization, headers["x-amz-date"], headers["x-amz-content-sha256"]) ?? SigV4.FromQuery(target.Query)
            ?? throw new S3Exception(403, "AccessDenied", "Anonymous access is not allowed: sign the request with an access key (POST /api/storage/keys).");
        var now = clock.GetUtcNow();
        var signedAt = request.SignedAt;
        if (request.Presigned)
        {
            if (now < signedAt - Skew || now > signedAt.AddSeconds(request.ExpiresSeconds))
            {
                throw new S3Exception(403, "AccessDenied", "Request has expired.");
            }
        }
        else if ((now - signedAt).Duration() > Skew)
        {
            throw new S3Exception(403, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.");
        }

        RequireSigned(headers, request.SignedHeaders);
        var key = await keys.FindAsync(request.AccessKeyId, cancellationToken)
            ?? throw new S3Exception(403, "InvalidAccessKeyId", "The access key id you provided does not exist in our records.");
        var signingKey = SigV4.SigningKey(key.Secret, request.Date, request.Region);
        var canonical = SigV4.CanonicalRequest(context.Request.Method, target.RawPath, target.RawQuery, name => headers[name], request.SignedHeaders,
            request.PayloadHash, request.Presigned);
        var expected = SigV4.Sign(signingKey, SigV4.StringToSign(request.AmzDate, request.Scope, canonical));
        if (!SigV4.Matches(expected, request.Signature))
        {
            logger.LogInformation("An S3 request signed by {AccessKeyId} does not match; canonical request:\n{CanonicalRequest}", key.AccessKeyId, canonical);
            throw S3Exception.SignatureMismatch("The request signature we calculated does not match the signature you provided. Check your key and signing method.");
        }

        return new S3Caller(key.TenantId, key.UserId, request, signingKey);
    }

    /// <summary>
    /// The host and every <c>x-amz-*</c> header sent must be signed (as S3 asks): an unsigned one could be added on the way
    /// (a copy source on a presigned PUT, a checksum, a decoded length) and act with the signer's authority. The SDKs'
    /// own unsigned <c>x-amz-user-agent</c> is let through; it changes nothing.
    /// </summary>
    private static void RequireSigned(IHeaderDictionary headers, string signedHeaders)
    {
        var signed = signedHeaders.Split(';').ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unsigned = headers.Keys.Where(name => name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !name.Equals("x-amz-user-agent", StringComparison.OrdinalIgnoreCase))
            .Prepend("host").FirstOrDefault(name => !signed.Contains(name));
        if (unsigned is not null)
        {
            throw new S3Exception(403, "AccessDenied", $"The header '{unsigned}' is sent but not signed; sign the host and every x-amz-* header.");
        }
    }
}
