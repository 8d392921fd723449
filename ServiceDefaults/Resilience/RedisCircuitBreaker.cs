using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// A Polly circuit breaker shared by every Redis call of a service (revocation list, login throttle, caches). When at
/// least half of 5 or more calls in 10 s fail, the circuit opens for 2 s and calls fail at once with
/// <see cref="BrokenCircuitException"/> instead of each waiting out Redis's timeout; callers treat that like any
/// Redis outage (<see cref="IsOutage"/>): they fail open or bypass the cache. One trial call closes it again.
/// </summary>
public sealed class RedisCircuitBreaker
{
    private readonly ResiliencePipeline _pipeline;

    public RedisCircuitBreaker(ILogger<RedisCircuitBreaker> logger)
        => _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(2),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ResilienceRules.IsTransient),
                OnOpened = args =>
                {
                    logger.LogWarning("Redis circuit open for {Seconds} s: {Reason}", args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    logger.LogInformation("Redis circuit closed");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>A failure the callers of Redis absorb: Redis unreachable, too slow, or the circuit open.</summary>
    public static bool IsOutage(Exception e) => e is RedisException or TimeoutException or BrokenCircuitException;

    /// <summary>Runs one Redis call through the circuit; inside a request or message, as a client span <c>redis {operation}</c>.</summary>
    public async Task<T> RunAsync<T>(string operation, Func<Task<T>> call)
    {
        using var span = Activity.Current is null ? null : Source.StartActivity($"redis {operation}", ActivityKind.Client);
        span?.SetTag("db.system.name", "redis");
        span?.SetTag("db.operation.name", operation);
        try
        {
            return await _pipeline.ExecuteAsync(async _ => await call());
        }
        catch (Exception e) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    public Task RunAsync(string operation, Func<Task> call) => RunAsync(operation, async () =>
    {
        await call();
        return true;
    });

    private static readonly ActivitySource Source = new("Platform.Redis");
}
