using System.Collections.Concurrent;
using System.Net;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// One pipeline per destination (host:port), so a failing replica's circuit does not trip calls to others:
/// a total budget, retries with jittered backoff for idempotent requests only, a circuit breaker, and a
/// per-attempt timeout.
/// </summary>
public sealed class HttpResiliencePipelines
{
    private readonly ConcurrentDictionary<string, ResiliencePipeline<HttpResponseMessage>> _pipelines = new(StringComparer.OrdinalIgnoreCase);

    public ResiliencePipeline<HttpResponseMessage> For(Uri destination) => _pipelines.GetOrAdd(destination.Authority, _ => Create());

    private static ResiliencePipeline<HttpResponseMessage> Create()
    {
        static bool Transient(Outcome<HttpResponseMessage> outcome) => outcome switch
        {
            { Exception: HttpRequestException or TimeoutRejectedException } => true,
            { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
            _ => false,
        };

        return new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddTimeout(TimeSpan.FromSeconds(10))
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                ShouldHandle = args => ValueTask.FromResult(IsIdempotent(args.Context) && Transient(args.Outcome)),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = TimeSpan.FromSeconds(5),
                ShouldHandle = args => ValueTask.FromResult(Transient(args.Outcome)),
            })
            .AddTimeout(TimeSpan.FromSeconds(3))
            .Build();
    }

    internal static readonly ResiliencePropertyKey<bool> Idempotent = new("platform.idempotent");

    private static bool IsIdempotent(ResilienceContext context) => context.Properties.GetValue(Idempotent, false);
}

internal sealed class HttpResilienceHandler(HttpResiliencePipelines pipelines) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pipeline = pipelines.For(request.RequestUri!);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(HttpResiliencePipelines.Idempotent, request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options || request.Method == HttpMethod.Put || request.Method == HttpMethod.Delete);
        try
        {
            return await pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Handler.SendCoreAsync(state.Request, ctx.CancellationToken),
                context,
                (Handler: this, Request: request));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);
}
