namespace Platform.Hosting.ApplicationModel;

/// <summary>
/// A port a resource listens on. <see cref="Port"/> fixes it (the gateway's 8080); otherwise a free
/// port is chosen per replica when the application starts.
/// </summary>
public sealed class EndpointAnnotation(string name, string scheme, int? port = null, bool isExternal = false) : IResourceAnnotation
{
    public string Name { get; } = name;

    public string Scheme { get; } = scheme;

    public int? Port { get; internal set; } = port;

    public bool IsExternal { get; } = isExternal;

    /// <summary>One port per replica, filled in when the application starts.</summary>
    public IList<int> AllocatedPorts { get; } = [];

    public string UrlFor(int replica) => $"{Scheme}://127.0.0.1:{AllocatedPorts[replica]}";
}
