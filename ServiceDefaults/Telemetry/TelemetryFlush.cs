using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Exports the last spans, logs and metrics once every hosted service has stopped, within a deadline. The providers
/// would flush when the container disposes them anyway, but each OTLP export retries for up to its 10 s timeout: when
/// the collector (the Aspire dashboard) is stopping at the same moment, as it is when the AppHost stops, a service sat
/// there until DCP killed it 6 s after its SIGTERM. With a live collector the flush takes milliseconds.
/// </summary>
internal sealed class TelemetryFlush(IServiceProvider services) : IHostedLifecycleService
{
    /// <summary>The share of the shutdown the three flushes may take together.</summary>
    internal static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(900);

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Deadline;
        int Remaining() => Math.Max(0, (int)(deadline - DateTime.UtcNow).TotalMilliseconds);
        services.GetService<TracerProvider>()?.Shutdown(Remaining());
        services.GetService<LoggerProvider>()?.Shutdown(Remaining());
        services.GetService<MeterProvider>()?.Shutdown(Remaining());
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
