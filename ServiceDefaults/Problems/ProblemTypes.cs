namespace Platform.ServiceDefaults.Problems;

/// <summary>The stable <c>type</c> of every problem+json the platform returns; clients switch on these, never on text.</summary>
public static class ProblemTypes
{
    private const string Base = "https://platform.dev/problems/";

    public const string Validation = Base + "validation";
    public const string MalformedRequest = Base + "malformed-request";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string Conflict = Base + "conflict";
    public const string PreconditionFailed = Base + "precondition-failed";
    public const string TooManyRequests = Base + "too-many-requests";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string UpstreamUnavailable = Base + "upstream-unavailable";
    public const string UpstreamTimeout = Base + "upstream-timeout";
    public const string DependencyUnavailable = Base + "dependency-unavailable";
    public const string Internal = Base + "internal";

    /// <summary>Commerce's checkout failures (the <c>error</c> code of the problem is the same word).</summary>
    public const string InsufficientStock = Base + "insufficient-stock";
    public const string Unpriced = Base + "unpriced";
    public const string PaymentDeclined = Base + "payment-declined";
    public const string PaymentTimeout = Base + "payment-timeout";
    public const string CheckoutFailed = Base + "checkout-failed";

    /// <summary>The SQL system's: a statement that does not parse or plan (with its line and column), one past its budget.</summary>
    public const string InvalidQuery = Base + "invalid-query";
    public const string QueryTimeout = Base + "query-timeout";

    /// <summary>The type for a bare status code (used when a framework component sets only a status).</summary>
    public static string ForStatus(int status) => status switch
    {
        400 => MalformedRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        412 => PreconditionFailed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        422 => Validation,
        429 => TooManyRequests,
        502 or 503 => UpstreamUnavailable,
        504 => UpstreamTimeout,
        _ => status >= 500 ? Internal : Base + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
