using System.Net;
using System.Net.Sockets;
using Npgsql;
using Polly.CircuitBreaker;
using Polly.Timeout;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// The platform's one set of resilience rules. What counts as transient, which HTTP methods may be sent twice, and one
/// backoff (100 ms, doubling, ±20 % jitter, up to a ceiling chosen by what is waiting) are defined here and used by
/// outgoing HTTP (the standard resilience handler), the gateway's retries, the database and Redis circuit breakers,
/// the Redis and Kafka clients' reconnects, the bus consumers' retries and the outbox relay.
/// </summary>
public static class ResilienceRules
{
    /// <summary>The first wait after a failure; each later one doubles.</summary>
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Ceiling for getting a connection back (Redis, Kafka, the bus, a relay whose database went away): soon.</summary>
    public static readonly TimeSpan ReconnectCeiling = TimeSpan.FromSeconds(2);

    /// <summary>Ceiling for trying one stored message again (the outbox's deliveries): patiently.</summary>
    public static readonly TimeSpan RedeliveryCeiling = TimeSpan.FromSeconds(30);

    /// <summary>Retries of one request or one consumed message, in place, before it fails to its caller.</summary>
    public const int Retries = 3;

    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based).</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan ceiling)
    {
        var exponential = FirstDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 20));
        return TimeSpan.FromMilliseconds(Math.Min(ceiling.TotalMilliseconds, exponential) * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    /// <summary>Methods whose repetition has the effect of one request (RFC 9110 §9.2.2): the only ones retried.</summary>
    public static bool IsIdempotent(HttpMethod method)
        => method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Options || method == HttpMethod.Trace
           || method == HttpMethod.Put || method == HttpMethod.Delete;

    /// <summary>Answers that may differ next time: timeout, too many requests, and server errors other than "not implemented".</summary>
    public static bool IsTransient(HttpStatusCode status)
        => status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
           || ((int)status >= 500 && status is not (HttpStatusCode.NotImplemented or HttpStatusCode.HttpVersionNotSupported));

    /// <summary>Failures of the way to a dependency rather than of the request: worth waiting for and trying again.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        HttpRequestException or SocketException => true, // not IOException: a bad request body is one too
        TimeoutException or TimeoutRejectedException or BrokenCircuitException => true,
        RedisConnectionException or RedisTimeoutException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner),
    };
}
