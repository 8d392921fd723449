using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Correlation;
using Platform.ServiceDefaults.Health;
using Platform.ServiceDefaults.Problems;
using Platform.ServiceDefaults.Resilience;
using Platform.ServiceDefaults.Telemetry;

namespace Platform.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>Request bodies above this are refused with 413 problem+json (services take small JSON documents).</summary>
    public const long MaxRequestBodyBytes = 64 * 1024;

    /// <summary>
    /// The one call every service makes: health (/health, /alive), OpenTelemetry, correlation ids, problem
    /// details, JWT validation, and on every HttpClient service discovery (http://users) and the standard resilience handler
    /// under the platform's rules (<see cref="ResilienceRules"/>). Map the health
    /// endpoints with <see cref="HealthExtensions.MapDefaultEndpoints"/>.
    /// </summary>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddPlatformTelemetry();
        builder.Services.AddPlatformProblemDetails();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [HealthExtensions.LiveTag]);

        builder.Services.AddServiceDiscovery();
        builder.Services.AddTransient<CorrelationIdHandler>();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddHttpMessageHandler<CorrelationIdHandler>();
            http.AddStandardResilienceHandler(HttpResilience.Configure).SelectPipelineByAuthority();
            http.AddServiceDiscovery();
        });

        builder.AddPlatformAuthentication();
        builder.Services.AddTransient<IStartupFilter, ServiceDefaultsStartupFilter>();
        return builder;
    }

    /// <summary>Puts correlation and problem details at the very front of every service's pipeline.</summary>
    private sealed class ServiceDefaultsStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseMiddleware<CorrelationIdMiddleware>();
            app.UsePlatformProblemDetails();
            if (app.ApplicationServices.GetService<Resilience.DatabaseCircuitBreaker>() is { } breaker)
            {
                app.Use((context, nextMiddleware) => breaker.InvokeAsync(context, () => nextMiddleware(context)));
            }

            next(app);
        };
    }
}
