using Microsoft.AspNetCore.Http;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// A Polly circuit breaker around each request of a service that uses Postgres. Transient database failures
/// (unreachable, timed out, shutting down) count; when half of at least 5 requests in 10 s fail, the circuit opens
/// for 5 s and requests are answered 503 + Retry-After at once instead of waiting on a dead database. One trial request
/// goes through after the break; its success closes the circuit.
/// </summary>
public sealed class DatabaseCircuitBreaker
{
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    private readonly ResiliencePipeline _pipeline = new ResiliencePipelineBuilder()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = 5,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = BreakDuration,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IsDatabaseOutage),
        })
        .Build();

    /// <summary>Database trouble the caller cannot fix by changing the request (as opposed to a constraint violation, say).</summary>
    public static bool IsDatabaseOutage(Exception exception)
        => exception is NpgsqlException { IsTransient: true } or TimeoutException || exception.InnerException is TimeoutException;

    internal async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/alive"))
        {
            await next();
            return;
        }

        await _pipeline.ExecuteAsync(async _ => await next(), context.RequestAborted);
    }
}
