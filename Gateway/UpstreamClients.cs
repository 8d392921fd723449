using Polly;
using Polly.Retry;
using Platform.ServiceDefaults.Resilience;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway;

/// <summary>
/// The gateway's forwarding clients: a 2 s connect timeout, and retries under the platform's rules. A bodiless request
/// of an idempotent method whose connection broke before any response (a reset) is sent again, twice at most, with the
/// platform's backoff. A refused
/// connection is not retried: the replica is down, and the load balancer's health checks should see that at once.
/// Answers from upstreams, errors included, are never retried: they are the upstream's decision; nor is any request
/// with a body, which the upstream may already have acted on.
/// </summary>
internal sealed class UpstreamClients : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        handler.ConnectTimeout = TimeSpan.FromSeconds(2);
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
        => new RetryHandler { InnerHandler = base.WrapHandler(context, handler) };

    private sealed class RetryHandler : DelegatingHandler
    {
        private static readonly ResiliencePipeline Pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(ResilienceRules.Backoff(args.AttemptNumber + 1, ResilienceRules.ReconnectCeiling)),
                // A refused connect means the replica is gone: failing fast lets passive health take it out of the pool.
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(e => ResilienceRules.IsTransient(e) && e.HttpRequestError != HttpRequestError.ConnectionError),
            })
            .Build();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => request.Content is null && ResilienceRules.IsIdempotent(request.Method)
                ? Pipeline.ExecuteAsync(async ct => await base.SendAsync(request, ct), cancellationToken).AsTask()
                : base.SendAsync(request, cancellationToken);
    }
}
