namespace Platform.Query.Execution;

/// <summary>
/// Asks every tenant node for /health twice a second; two probes in a row unanswered within two seconds mark it down (its
/// calls in flight are cancelled and go to other copies), and one answered marks it up again.
/// </summary>
public sealed class NodeHealthProbe(TenantNodes nodes, IHttpClientFactory clients, ILogger<NodeHealthProbe> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var misses = nodes.Names.ToDictionary(n => n, _ => 0);
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await Task.WhenAll(nodes.Names.Select(async node =>
            {
                var healthy = await ProbeAsync(node, stoppingToken);
                misses[node] = healthy ? 0 : misses[node] + 1;
                if (healthy)
                {
                    nodes.Answered(node);
                }
                else if (misses[node] == 2)
                {
                    logger.LogWarning("Tenant node {Node} did not answer its health probe twice; its copies are not read until it does.", node);
                    nodes.Failed(node);
                }
            }));
        }
    }

    private async Task<bool> ProbeAsync(string node, CancellationToken stoppingToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        patience.CancelAfter(Patience);
        try
        {
            using var response = await clients.CreateClient(NodeClient.HttpClientName).GetAsync(new Uri(TenantNodes.Address(node), "/health"), patience.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
