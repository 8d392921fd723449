using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// Microsoft.Extensions.Http.Resilience's standard handler under the platform's rules: a 10 s budget per call, 3 s per
/// attempt, retries only of idempotent methods that failed transiently (never into an open circuit), with the platform's backoff, and a circuit per
/// destination authority that opens when half of at least 10 calls in 10 s fail transiently.
/// </summary>
internal static class HttpResilience
{
    public static void Configure(HttpStandardResilienceOptions options)
    {
        options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(10);
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(3);

        options.Retry.MaxRetryAttempts = ResilienceRules.Retries;
        options.Retry.DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(ResilienceRules.Backoff(args.AttemptNumber + 1, ResilienceRules.ReconnectCeiling));
        // Not while the circuit is open: that answer is meant to be fast, and a retry would only wait out the break.
        options.Retry.ShouldHandle = args => ValueTask.FromResult(
            args.Context.GetRequestMessage() is { } request && ResilienceRules.IsIdempotent(request.Method)
            && args.Outcome.Exception is not BrokenCircuitException && IsTransient(args.Outcome));

        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 10;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
        options.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome));
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: { } exception } => ResilienceRules.IsTransient(exception),
        { Result: { } response } => ResilienceRules.IsTransient(response.StatusCode),
        _ => false,
    };
}
