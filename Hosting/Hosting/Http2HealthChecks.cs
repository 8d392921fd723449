using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Platform.Hosting.Infrastructure;

namespace Platform.Hosting;

/// <summary>
/// A resource health check over HTTP/2 without TLS (h2c), for services that speak only HTTP/2 (gRPC servers): Aspire's
/// <c>WithHttpHealthCheck</c> asks over HTTP/1.1, which such a server never answers, so the resource would never be healthy.
/// </summary>
public static class Http2HealthChecks
{
    public static IResourceBuilder<T> WithHttp2HealthCheck<T>(this IResourceBuilder<T> resource, string path, string endpointName = "http")
        where T : IResourceWithEndpoints
    {
        var endpoint = resource.GetEndpoint(endpointName);
        return resource.WithReadinessProbe((_, cancellationToken) => endpoint.IsAllocated
            ? ServerProbes.HttpAsync(new Uri(new Uri(endpoint.Url), path), HttpVersion.Version20, cancellationToken)
            : Task.FromResult(false));
    }
}
