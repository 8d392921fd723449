using Microsoft.Extensions.Configuration;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

public interface IDistributedApplicationBuilder
{
    /// <summary>Command line, environment and appsettings of the AppHost.</summary>
    IConfigurationManager Configuration { get; }

    DistributedApplicationOptions Options { get; }

    IReadOnlyList<IResource> Resources { get; }

    IResourceBuilder<T> AddResource<T>(T resource) where T : IResource;

    DistributedApplication Build();
}
