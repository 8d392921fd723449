using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Correlation;

namespace Platform.Messaging.Bus;

/// <summary>The header carrying the platform's correlation id on bus messages (trace context travels in MassTransit's own headers).</summary>
public static class BusHeaders
{
    public const string CorrelationId = "X-Correlation-Id";
    public const string Redelivery = "X-Platform-Redelivery";
}

/// <summary>Stamps the ambient correlation id on a message sent in a request or consumer, unless the sender set one.</summary>
public sealed class CorrelationSendFilter<T> : IFilter<SendContext<T>>
    where T : class
{
    public Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        if (CorrelationId.Current is { } correlationId && context.Headers.Get<string>(BusHeaders.CorrelationId) is null)
        {
            context.Headers.Set(BusHeaders.CorrelationId, correlationId);
        }

        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("platform-correlation");
}

/// <summary>
/// Makes a consumed message's correlation id the ambient one and the log scope of its consumer, so what the consumer
/// logs and sends carries it; each message ends with one access line naming it, as each HTTP request does.
/// </summary>
public sealed partial class CorrelationConsumeFilter<T>(ILoggerFactory loggers) : IFilter<ConsumeContext<T>>
    where T : class
{
    private readonly ILogger _access = loggers.CreateLogger("Platform.Access");

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var id = CorrelationId.AcceptOrNew(context.Headers.Get<string>(BusHeaders.CorrelationId));
        CorrelationId.Current = id;
        using (_access.BeginScope(new CorrelationScope(id, null)))
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next.Send(context);
                Consumed(_access, typeof(T).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, id);
            }
            catch (Exception e)
            {
                NotConsumed(_access, typeof(T).Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.GetType().Name, id);
                throw;
            }
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("platform-correlation");

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumed {MessageType} in {ElapsedMs:0.0} ms (correlation {CorrelationId})")]
    private static partial void Consumed(ILogger logger, string messageType, double elapsedMs, string correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming {MessageType} failed after {ElapsedMs:0.0} ms: {Error} (correlation {CorrelationId})")]
    private static partial void NotConsumed(ILogger logger, string messageType, double elapsedMs, string error, string correlationId);
}
