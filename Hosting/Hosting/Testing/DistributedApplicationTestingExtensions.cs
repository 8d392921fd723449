using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Testing;

public static class DistributedApplicationTestingExtensions
{
    /// <summary>An HttpClient whose base address is the resource's endpoint (the first replica's).</summary>
    public static HttpClient CreateHttpClient(this DistributedApplication app, string resourceName, string endpointName = "http")
        => new() { BaseAddress = app.GetEndpoint(resourceName, endpointName) };

    public static Uri GetEndpoint(this DistributedApplication app, string resourceName, string endpointName = "http", int replica = 0)
    {
        var endpoint = app.GetResource(resourceName).AnnotationsOf<EndpointAnnotation>().FirstOrDefault(e => e.Name == endpointName)
                       ?? throw new ArgumentException($"'{resourceName}' has no endpoint named '{endpointName}'.", nameof(endpointName));
        return new Uri(endpoint.UrlFor(replica));
    }

    public static ValueTask<string> GetConnectionStringAsync(this DistributedApplication app, string resourceName, CancellationToken cancellationToken = default)
        => app.GetResource(resourceName) is IResourceWithConnectionString resource
            ? resource.GetConnectionStringAsync(cancellationToken)
            : throw new ArgumentException($"'{resourceName}' has no connection string.", nameof(resourceName));
}
