using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Hosting.Infrastructure;

/// <summary>The health check of a local server: is it ready now (<see cref="PromptHealthChecks"/> asks again until it is).</summary>
internal static class ReadinessProbe
{
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
            => await isReady(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The server does not answer yet.");
    }
}
