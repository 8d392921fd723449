namespace Platform.Hosting.ApplicationModel;

/// <summary>The resource is healthy when GET <see cref="Path"/> on its HTTP endpoint answers 2xx.</summary>
public sealed class HttpHealthCheckAnnotation(string path, string endpointName = "http") : IResourceAnnotation
{
    public string Path { get; } = path;

    public string EndpointName { get; } = endpointName;
}
