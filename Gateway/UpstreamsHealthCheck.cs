using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.ServiceDiscovery;

namespace Platform.Gateway;

/// <summary>The gateway is ready when every routed service has at least one replica (as service discovery lists them) whose /health answers.</summary>
internal sealed class UpstreamsHealthCheck(ServiceEndpointResolver discovery, IHttpClientFactory clients, IConfiguration configuration) : IHealthCheck
{
    public const string ClientName = "upstream-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = clients.CreateClient(ClientName);
        var results = await Task.WhenAll(GatewayRoutes.Clusters(configuration).Select(async cluster =>
        {
            var replicas = await discovery.GetEndpointsAsync($"http://{cluster}", cancellationToken);
            foreach (var address in replicas.Endpoints.Select(e => AddressOf(e.EndPoint)).OfType<Uri>())
            {
                try
                {
                    using var response = await client.GetAsync(new Uri(address, "/health"), cancellationToken);
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

    private static Uri? AddressOf(EndPoint endPoint) => endPoint switch
    {
        UriEndPoint uri => uri.Uri,
        DnsEndPoint dns => new UriBuilder(Uri.UriSchemeHttp, dns.Host, dns.Port).Uri,
        IPEndPoint ip => new UriBuilder(Uri.UriSchemeHttp, ip.Address.ToString(), ip.Port).Uri,
        _ => null,
    };
}
