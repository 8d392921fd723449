using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Hosting;

/// <summary>
/// A resource health check over HTTP/2 without TLS (h2c), for services that speak only HTTP/2 (gRPC servers): Aspire's
/// <c>WithHttpHealthCheck</c> asks over HTTP/1.1, which such a server never answers, so the resource would never be healthy.
/// </summary>
public static class Http2HealthChecks
{
    private static readonly HttpClient Client = new()
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = TimeSpan.FromSeconds(2),
    };

    public static IResourceBuilder<T> WithHttp2HealthCheck<T>(this IResourceBuilder<T> resource, string path, string endpointName = "http")
        where T : IResourceWithEndpoints
    {
        var endpoint = resource.GetEndpoint(endpointName);
        var key = $"{resource.Resource.Name}_http2_{endpointName}";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new Check(endpoint, path), null, null));
        return resource.WithHealthCheck(key);
    }

    private sealed class Check(EndpointReference endpoint, string path) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (!endpoint.IsAllocated)
            {
                return HealthCheckResult.Unhealthy("The endpoint has no address yet.");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri(new Uri(endpoint.Url), path), cancellationToken);
                return response.IsSuccessStatusCode ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"{path} answered {(int)response.StatusCode}.");
            }
            catch (HttpRequestException e)
            {
                return HealthCheckResult.Unhealthy(e.Message);
            }
        }
    }
}
