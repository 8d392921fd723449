using Microsoft.Extensions.Configuration;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

internal sealed class DistributedApplicationBuilder : IDistributedApplicationBuilder, IDisposable
{
    private readonly List<IResource> _resources = [];
    private readonly ConfigurationManager _configuration = new();

    public DistributedApplicationBuilder(string[] args, DistributedApplicationOptions options)
    {
        Options = options;
        _configuration.AddEnvironmentVariables().AddCommandLine(args);
    }

    public IConfigurationManager Configuration => _configuration;

    public DistributedApplicationOptions Options { get; }

    public IReadOnlyList<IResource> Resources => _resources;

    public IResourceBuilder<T> AddResource<T>(T resource) where T : IResource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists in the graph.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(this, resource);
    }

    public void Dispose() => _configuration.Dispose();

    public DistributedApplication Build()
    {
        GraphValidator.Validate(_resources);
        DistributedApplicationTestHook.OnBuilding(this);
        return new DistributedApplication(_resources.ToArray(), Options, _configuration);
    }
}
