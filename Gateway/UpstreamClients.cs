using Polly;
using Polly.Retry;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway;

/// <summary>
/// The gateway's forwarding clients: a 2 s connect timeout, and retries. A bodiless GET, HEAD or OPTIONS that fails
/// before any response (a reset or refused connection) is sent again, twice at most, after a jittered ~100 ms.
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
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.FromMilliseconds(100),
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(),
            })
            .Build();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            => request.Content is null && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Options)
                ? Pipeline.ExecuteAsync(async ct => await base.SendAsync(request, ct), cancellationToken).AsTask()
                : base.SendAsync(request, cancellationToken);
    }
}
