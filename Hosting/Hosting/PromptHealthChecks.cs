using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Hosting;

/// <summary>
/// Aspire re-checks an unhealthy resource after 1, 2, 3, 4, then 5 s, so each layer of a booting graph notices its
/// dependencies up to 5 s after they came up, and the layers add up. With this, every resource health check of the graph
/// asks again every 100 ms for up to 5 s before it answers unhealthy: a resource that comes up is seen within about
/// 100 ms, and a healthy one costs one check as before.
/// </summary>
public static class PromptHealthChecks
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static IDistributedApplicationBuilder CheckHealthPromptly(this IDistributedApplicationBuilder builder)
    {
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                var create = registration.Factory;
                registration.Factory = services => new PromptCheck(create(services));
            }
        });
        return builder;
    }

    private sealed class PromptCheck(IHealthCheck check) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                HealthCheckResult result;
                try
                {
                    result = await check.CheckHealthAsync(context, cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    result = new HealthCheckResult(context.Registration.FailureStatus, e.Message, e);
                }

                if (result.Status == HealthStatus.Healthy || DateTime.UtcNow >= deadline)
                {
                    return result;
                }

                await Task.Delay(Interval, cancellationToken);
            }
        }
    }
}
