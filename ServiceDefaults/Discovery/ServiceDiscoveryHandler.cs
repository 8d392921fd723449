using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;

namespace Platform.ServiceDefaults.Discovery;

/// <summary>
/// Resolves <c>http://users/...</c> to an endpoint the AppHost injected as <c>services__users__http__N</c>,
/// round-robin over the replicas. Hosts that are not service names pass through untouched.
/// </summary>
public sealed class ServiceEndpointResolver(IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, int> _next = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<Uri> Endpoints(string service, string endpoint = "http")
        => configuration.GetSection($"services:{service}:{endpoint}").GetChildren()
            .Select(c => c.Value).OfType<string>().Select(v => new Uri(v)).ToArray();

    public Uri? Resolve(Uri address)
    {
        var endpoints = Endpoints(address.Host, address.Scheme);
        if (endpoints.Count == 0)
        {
            return null;
        }

        var index = (_next.AddOrUpdate(address.Host, 0, (_, i) => i + 1) & int.MaxValue) % endpoints.Count;
        var target = endpoints[index];
        return new UriBuilder(address) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
    }
}

internal sealed class ServiceDiscoveryHandler(ServiceEndpointResolver resolver) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { IsAbsoluteUri: true } uri && resolver.Resolve(uri) is { } resolved)
        {
            request.RequestUri = resolved;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
