using System.Collections;

namespace Platform.ServiceDefaults.Correlation;

/// <summary>
/// The log scope of one piece of work: its correlation id and, for an HTTP request that brought one, the caller's
/// request id (ClientRequestId, as ASP.NET Core's own scope has a RequestId). Structured sinks (OpenTelemetry) read the
/// pairs; a text sink that prints scopes prints "CorrelationId:… ClientRequestId:…".
/// </summary>
public sealed class CorrelationScope(string correlationId, string? requestId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => requestId is null ? 1 : 2;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("CorrelationId", correlationId),
        1 when requestId is not null => new("ClientRequestId", requestId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => requestId is null ? $"CorrelationId:{correlationId}" : $"CorrelationId:{correlationId} ClientRequestId:{requestId}";
}
