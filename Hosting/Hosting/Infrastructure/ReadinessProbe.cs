using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Hosting.Infrastructure;

/// <summary>
/// The health check of a local server. Aspire re-checks an unhealthy resource after 1, 2, 3, 4, then 5 s; this check
/// asks the server every 100 ms for up to 2 s before answering unhealthy, so a server that comes up is seen within
/// about 100 ms and the graph does not boot at the pace of the back-off.
/// </summary>
internal static class ReadinessProbe
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static IResourceBuilder<T> WithReadinessProbe<T>(this IResourceBuilder<T> builder, Func<T, CancellationToken, Task<bool>> isReady)
        where T : IResource
    {
        var key = $"{builder.Resource.Name}-ready";
        var resource = builder.Resource;
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new Check(ct => isReady(resource, ct)), HealthStatus.Unhealthy, tags: null));
        return builder.WithHealthCheck(key);
    }

    private sealed class Check(Func<CancellationToken, Task<bool>> isReady) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                if (await isReady(cancellationToken))
                {
                    return HealthCheckResult.Healthy();
                }

                if (DateTime.UtcNow >= deadline)
                {
                    return HealthCheckResult.Unhealthy("The server does not answer yet.");
                }

                await Task.Delay(Interval, cancellationToken);
            }
        }
    }
}
