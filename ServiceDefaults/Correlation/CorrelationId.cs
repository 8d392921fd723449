using System.Diagnostics;

namespace Platform.ServiceDefaults.Correlation;

/// <summary>The correlation id of the work in progress: accepted from X-Correlation-Id or created, then carried on every outgoing call.</summary>
public static class CorrelationId
{
    public const string HeaderName = "X-Correlation-Id";

    /// <summary>A caller's id for one request (the seed's X-Request-Id): echoed, logged and passed on like the correlation id, never created.</summary>
    public const string RequestIdHeaderName = "X-Request-Id";

    public const int MaxLength = 128;
    private static readonly AsyncLocal<string?> Ambient = new();
    private static readonly AsyncLocal<string?> AmbientRequestId = new();

    public static string? Current
    {
        get => Ambient.Value;
        set => Ambient.Value = value;
    }

    public static string? RequestId
    {
        get => AmbientRequestId.Value;
        set => AmbientRequestId.Value = value;
    }

    /// <summary>A caller's id is kept only if it is short printable ASCII: it ends up in logs and headers.</summary>
    public static bool IsAcceptable(string? value)
        => !string.IsNullOrEmpty(value) && value.Length <= MaxLength && value.All(c => c is > ' ' and <= '~');

    public static string New() => ActivityTraceId.CreateRandom().ToHexString();

    /// <summary>A caller's or a message's id when it is acceptable, a new one otherwise.</summary>
    public static string AcceptOrNew(string? incoming) => IsAcceptable(incoming) ? incoming! : New();
}
