using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Storage.S3;

/// <summary>What a request's signature claims: who signed it, when, for which scope, over which headers and payload.</summary>
internal sealed record SignedRequest(
    string AccessKeyId, string Date, string Region, string AmzDate, string SignedHeaders, string Signature, string PayloadHash, bool Presigned, int ExpiresSeconds)
{
    /// <summary>The credential scope: <c>date/region/s3/aws4_request</c>.</summary>
    public string Scope => $"{Date}/{Region}/s3/aws4_request";

    public DateTimeOffset SignedAt => DateTimeOffset.ParseExact(AmzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
}

/// <summary>
/// AWS Signature Version 4 as S3 uses it (no AWS package implements the server side): the canonical request, the string
/// to sign and the signing key, for the Authorization header and for presigned URLs. The canonical URI is built from
/// the raw path as received (each segment decoded, then encoded once, the way S3 clients sign), the query from the raw
/// query string, so the server signs exactly what the client did.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>A week, the longest a presigned URL may live.</summary>
    public const int MaxExpiresSeconds = 604800;

    /// <summary>Reads the Authorization header's form; null when the request carries none.</summary>
    public static SignedRequest? FromHeader(string? authorization, string? amzDate, string? payloadHash)
    {
        if (string.IsNullOrEmpty(authorization))
        {
            return null;
        }

        if (!authorization.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw S3Exception.Malformed($"The authorization header's algorithm is not {Algorithm}.");
        }

        var parts = authorization[Algorithm.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedHeaders) ||
            !parts.TryGetValue("Signature", out var signature))
        {
            throw S3Exception.Malformed("The authorization header needs Credential, SignedHeaders and Signature.");
        }

        if (string.IsNullOrEmpty(amzDate))
        {
            throw S3Exception.Malformed("A signed request carries x-amz-date.");
        }

        if (string.IsNullOrEmpty(payloadHash))
        {
            throw new S3Exception(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256.");
        }

        return Create(credential, amzDate, signedHeaders, signature, payloadHash, presigned: false, expires: 0);
    }

    /// <summary>Reads a presigned URL's <c>X-Amz-*</c> query parameters; null when the URL is not presigned.</summary>
    public static SignedRequest? FromQuery(IReadOnlyDictionary<string, string> query)
    {
        if (!query.TryGetValue("X-Amz-Algorithm", out var algorithm))
        {
            return null;
        }

        if (algorithm != Algorithm || !query.TryGetValue("X-Amz-Credential", out var credential) || !query.TryGetValue("X-Amz-Date", out var amzDate) ||
            !query.TryGetValue("X-Amz-SignedHeaders", out var signedHeaders) || !query.TryGetValue("X-Amz-Signature", out var signature) ||
            !query.TryGetValue("X-Amz-Expires", out var expiresText) || !int.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ||
            expires is < 1 or > MaxExpiresSeconds)
        {
            throw new S3Exception(400, "AuthorizationQueryParametersError",
                $"A presigned URL needs X-Amz-Algorithm={Algorithm}, X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature and X-Amz-Expires of 1 to {MaxExpiresSeconds}.");
        }

        var payloadHash = query.GetValueOrDefault("X-Amz-Content-Sha256", UnsignedPayload);
        return Create(credential, amzDate, signedHeaders, signature, payloadHash, presigned: true, expires);
    }

    /// <summary>The canonical request: method, URI, query, the signed headers and their names, the payload's hash.</summary>
    public static string CanonicalRequest(
        string method, string rawPath, string rawQuery, Func<string, IEnumerable<string?>> header, string signedHeaders, string payloadHash, bool presigned)
    {
        var canonical = new StringBuilder();
        canonical.Append(method).Append('\n').Append(CanonicalUri(rawPath)).Append('\n').Append(CanonicalQuery(rawQuery, presigned)).Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            canonical.Append(name).Append(':').AppendJoin(',', header(name).Select(v => CollapseSpaces(v ?? ""))).Append('\n');
        }

        return canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash).ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest) =>
        $"{Algorithm}\n{amzDate}\n{scope}\n{Sha256Hex(canonicalRequest)}";

    public static byte[] SigningKey(string secret, string date, string region)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, "s3"u8);
        return HMACSHA256.HashData(key, "aws4_request"u8);
    }

    public static string Sign(byte[] signingKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign)));

    /// <summary>Compares two hex signatures in constant time.</summary>
    public static bool Matches(string expected, string given) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given.ToLowerInvariant()));

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Each path segment decoded, then encoded as SigV4 wants (unreserved characters kept, the rest %XX upper-case); '/' kept.</summary>
    public static string CanonicalUri(string rawPath) =>
        rawPath.Length == 0 ? "/" : string.Join('/', rawPath.Split('/').Select(segment => Encode(Uri.UnescapeDataString(segment))));

    /// <summary>The query's parameters decoded and re-encoded, sorted by name then value, valueless ones as <c>name=</c>.</summary>
    public static string CanonicalQuery(string rawQuery, bool dropSignature) => string.Join('&',
        ParseQuery(rawQuery)
            .Where(p => !(dropSignature && p.Name == "X-Amz-Signature"))
            .Select(p => (Name: Encode(p.Name), Value: Encode(p.Value)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    /// <summary>A raw query string's parameters, percent-decoded ('+' stays '+', as S3 clients send a space as %20).</summary>
    public static IEnumerable<(string Name, string Value)> ParseQuery(string rawQuery) =>
        rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=');
            return equals < 0
                ? (Uri.UnescapeDataString(pair), "")
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        });

    public static string Encode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static SignedRequest Create(string credential, string amzDate, string signedHeaders, string signature, string payloadHash, bool presigned, int expires)
    {
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[3] != "s3" || scope[4] != "aws4_request" || scope[1].Length != 8 || scope[0].Length == 0)
        {
            throw S3Exception.Malformed($"The credential '{credential}' is not AKID/yyyyMMdd/region/s3/aws4_request.");
        }

        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _) ||
            !amzDate.StartsWith(scope[1], StringComparison.Ordinal))
        {
            throw S3Exception.Malformed($"The request's date '{amzDate}' is not yyyyMMddTHHmmssZ on the credential's day {scope[1]}.");
        }

        if (signature.Length != 64 || !signature.All(char.IsAsciiHexDigit) || signedHeaders.Length == 0)
        {
            throw S3Exception.Malformed("The signature is not 64 hex digits, or no header is signed.");
        }

        return new SignedRequest(scope[0], scope[1], scope[2], amzDate, signedHeaders, signature, payloadHash, presigned, expires);
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var collapsed = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (c != ' ' || collapsed.Length == 0 || collapsed[^1] != ' ')
            {
                collapsed.Append(c);
            }
        }

        return collapsed.ToString();
    }
}
