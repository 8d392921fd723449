using Microsoft.Extensions.Diagnostics.HealthChecks;
using Platform.ServiceDefaults.Discovery;

namespace Platform.Gateway;

/// <summary>The gateway is ready when every routed service has at least one replica whose /health answers.</summary>
internal sealed class UpstreamsHealthCheck(ServiceEndpointResolver services, IHttpClientFactory clients) : IHealthCheck
{
    public const string ClientName = "upstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = clients.CreateClient(ClientName);
        var results = await Task.WhenAll(GatewayRoutes.Clusters.Select(async cluster =>
        {
            foreach (var endpoint in services.Endpoints(cluster))
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(endpoint, "/health"), cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        return (cluster, ready: true);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                }
            }

            return (cluster, ready: false);
        }));

        var down = results.Where(r => !r.ready).Select(r => r.cluster).ToList();
        return down.Count == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"No ready replica of: {string.Join(", ", down)}");
    }
}
