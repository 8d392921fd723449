using MassTransit;
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

/// <summary>Makes a consumed message's correlation id the ambient one, so what the consumer logs and sends carries it.</summary>
public sealed class CorrelationConsumeFilter<T> : IFilter<ConsumeContext<T>>
    where T : class
{
    public Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        CorrelationId.Current = context.Headers.Get<string>(BusHeaders.CorrelationId) is { } id && CorrelationId.IsAcceptable(id) ? id : CorrelationId.New();
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("platform-correlation");
}
