using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults.Correlation;

/// <summary>
/// Accepts or creates the correlation id, echoes it on the response, and puts it in the log scope and the trace; a
/// caller's X-Request-Id, when it sends an acceptable one, is echoed, logged and passed on the same way.
/// </summary>
internal sealed class CorrelationIdMiddleware(RequestDelegate next, ILogger<CorrelationIdMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[CorrelationId.HeaderName].ToString();
        var id = CorrelationId.IsAcceptable(incoming) ? incoming : CorrelationId.New();
        context.Request.Headers[CorrelationId.HeaderName] = id; // proxies forward it as it is now
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationId.HeaderName] = id; // one value, even if a proxied upstream echoed it too
            return Task.CompletedTask;
        });
        CorrelationId.Current = id;
        Activity.Current?.SetTag("correlation.id", id);
        var scope = new Dictionary<string, object> { ["CorrelationId"] = id };
        var requestId = context.Request.Headers[CorrelationId.RequestIdHeaderName].ToString();
        if (CorrelationId.IsAcceptable(requestId))
        {
            CorrelationId.RequestId = requestId;
            scope["RequestId"] = requestId;
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[CorrelationId.RequestIdHeaderName] = requestId;
                return Task.CompletedTask;
            });
        }

        using (logger.BeginScope(scope))
        {
            await next(context);
        }
    }
}

/// <summary>Carries the current correlation id (and the caller's request id, if any) on every outgoing HTTP request.</summary>
internal sealed class CorrelationIdHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (CorrelationId.Current is { } id && !request.Headers.Contains(CorrelationId.HeaderName))
        {
            request.Headers.TryAddWithoutValidation(CorrelationId.HeaderName, id);
        }

        if (CorrelationId.RequestId is { } requestId && !request.Headers.Contains(CorrelationId.RequestIdHeaderName))
        {
            request.Headers.TryAddWithoutValidation(CorrelationId.RequestIdHeaderName, requestId);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
