using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Health;

namespace Platform.ServiceDefaults.Correlation;

/// <summary>
/// Accepts or creates the correlation id, echoes it on the response, and puts it in the log scope and the trace; a
/// caller's X-Request-Id, when it sends an acceptable one, is echoed, logged and passed on the same way. Each request
/// (probes and scrapes aside) ends with one access line naming both ids, so every service on a request's path has a
/// console line carrying them (Logging__LogLevel__Platform.Access=Warning turns the lines off).
/// </summary>
internal sealed partial class CorrelationIdMiddleware(RequestDelegate next, ILoggerFactory loggers)
{
    private readonly ILogger _access = loggers.CreateLogger("Platform.Access");

    public async Task InvokeAsync(HttpContext context)
    {
        var id = CorrelationId.AcceptOrNew(context.Request.Headers[CorrelationId.HeaderName]);
        context.Request.Headers[CorrelationId.HeaderName] = id; // proxies forward it as it is now
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[CorrelationId.HeaderName] = id; // one value, even if a proxied upstream echoed it too
            return Task.CompletedTask;
        });
        CorrelationId.Current = id;
        Activity.Current?.SetTag("correlation.id", id);
        var incomingRequestId = context.Request.Headers[CorrelationId.RequestIdHeaderName].ToString();
        var requestId = CorrelationId.IsAcceptable(incomingRequestId) ? incomingRequestId : null;
        CorrelationId.RequestId = requestId;
        if (requestId is not null)
        {
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[CorrelationId.RequestIdHeaderName] = requestId;
                return Task.CompletedTask;
            });
        }

        using (_access.BeginScope(new CorrelationScope(id, requestId)))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                if (!HealthExtensions.IsProbe(context.Request.Path))
                {
                    Answered(_access, context.Request.Method, Printable(context.Request.Path.Value), context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds, id, requestId ?? "-");
                }
            }
        }
    }

    /// <summary>The path as a log line may carry it: Kestrel has decoded %XX already, so control characters become '?', and it is cut at 256.</summary>
    private static string Printable(string? path)
    {
        var text = path is { Length: > 256 } ? path[..256] : path ?? "";
        return text.Any(char.IsControl) ? string.Concat(text.Select(c => char.IsControl(c) ? '?' : c)) : text;
    }

    // The ids are in the line itself as well as in its scope: the console prints no scopes (they would triple its bytes).
    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} answered {StatusCode} in {ElapsedMs:0.0} ms (correlation {CorrelationId}, request {ClientRequestId})")]
    private static partial void Answered(ILogger logger, string method, string path, int statusCode, double elapsedMs, string correlationId, string clientRequestId);
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
