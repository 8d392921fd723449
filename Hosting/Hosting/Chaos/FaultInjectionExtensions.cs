using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Kafka;
using Platform.Hosting.Processes;

namespace Platform.Hosting.Chaos;

public static class FaultInjectionExtensions
{
    /// <summary>
    /// Faults as part of the graph. Every project gets the kill, pause and resume commands (the servers have them
    /// already). With <c>EdgeProxies=true</c> every reference edge (a service to Postgres, Redis, RabbitMQ or another
    /// service) goes through a fault proxy in the AppHost: the consumer's connection string or service address is rewired
    /// to the proxy, the edge shows as a resource with fault commands, and <c>ChaosControlPort</c> (18890) serves the
    /// same faults over HTTP. Kafka's edges are not proxied: clients connect to the brokers the cluster advertises, so its
    /// faults are broker commands. Call it after every resource is added.
    /// </summary>
    public static IDistributedApplicationBuilder AddFaultInjection(this IDistributedApplicationBuilder builder)
    {
        var projects = builder.Resources.OfType<ProjectResource>().ToList();
        foreach (var project in projects)
        {
            builder.CreateResourceBuilder(project).WithProcessCommands();
        }

        foreach (var kafka in builder.Resources.OfType<KafkaProcessResource>().ToList())
        {
            var resource = builder.CreateResourceBuilder(kafka);
            for (var broker = 1; broker <= kafka.Brokers; broker++)
            {
                var id = broker;
                resource.WithCommand($"broker-{id}-down", $"Broker {id} down", _ => BrokerAsync(kafka, f => f.BrokerDownAsync(id)), new CommandOptions { IconName = "PlugDisconnected" })
                    .WithCommand($"broker-{id}-up", $"Broker {id} up", _ => BrokerAsync(kafka, f => f.BrokerUpAsync(id)), new CommandOptions { IconName = "PlugConnected" });
            }
        }

        if (!builder.ExecutionContext.IsRunMode || !builder.Configuration.GetValue("EdgeProxies", false))
        {
            return builder;
        }

        var router = new EdgeRouter();
        builder.Services.AddSingleton(router);
        var controlPort = builder.Configuration.GetValue("ChaosControlPort", 18890);
        builder.Services.AddHostedService(sp => new ChaosControlServer(router, sp.GetRequiredService<DistributedApplicationModel>(), controlPort, sp.GetRequiredService<ILogger<ChaosControlServer>>()));
        foreach (var consumer in projects)
        {
            foreach (var target in ReferencedServers(consumer))
            {
                var edge = EdgeRouter.EdgeName(consumer.Name, target.Name);
                router.Declare(edge);
                EdgeResource.Add(builder, edge, consumer);
            }

            builder.CreateResourceBuilder(consumer).WithEnvironment(context => RewireAsync(context, consumer, router));
        }

        return builder;
    }

    private static async Task<ExecuteCommandResult> BrokerAsync(KafkaProcessResource kafka, Func<KafkaBrokerFaults, Task> fault)
    {
        await fault(new KafkaBrokerFaults(kafka));
        return CommandResults.Success();
    }

    /// <summary>The servers and services a project references (a database counts as its server), Kafka left out.</summary>
    private static IEnumerable<IResource> ReferencedServers(ProjectResource consumer)
        => consumer.Annotations.OfType<ResourceRelationshipAnnotation>()
            .Where(r => r.Type == "Reference")
            .Select(r => r.Resource is IResourceWithParent child ? child.Parent : r.Resource)
            .Where(r => r is IResourceWithEndpoints and not (KafkaProcessResource or KafkaContainerResource))
            .Distinct();

    /// <summary>
    /// Runs after the references have written the consumer's environment: every connection string or service address that
    /// points at a referenced server is resolved and its port replaced by the port of that edge's proxy.
    /// </summary>
    private static async Task RewireAsync(EnvironmentCallbackContext context, ProjectResource consumer, EdgeRouter router)
    {
        foreach (var target in ReferencedServers(consumer))
        {
            var endpoint = ((IResourceWithEndpoints)target).GetEndpoints().First();
            var port = endpoint.Port.ToString(CultureInfo.InvariantCulture);
            var proxy = router.Route(consumer.Name, target.Name, endpoint.Port).ToString(CultureInfo.InvariantCulture);
            var names = target.Name == consumer.Name ? [] : AddressVariables(context, target);
            foreach (var name in names)
            {
                var value = context.EnvironmentVariables[name] switch
                {
                    string text => text,
                    IValueProvider provider => await provider.GetValueAsync(context.CancellationToken),
                    _ => null,
                };
                if (value is not null)
                {
                    context.EnvironmentVariables[name] = value.Replace($":{port}", $":{proxy}", StringComparison.Ordinal).Replace($"Port={port}", $"Port={proxy}", StringComparison.Ordinal);
                }
            }
        }
    }

    /// <summary>The variables a reference to <paramref name="target"/> (or one of its databases) wrote.</summary>
    private static List<string> AddressVariables(EnvironmentCallbackContext context, IResource target)
    {
        var children = context.ExecutionContext.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r is IResourceWithParent child && child.Parent == target).Select(r => r.Name).Append(target.Name).ToList();
        return context.EnvironmentVariables.Keys.Where(key => children.Any(name =>
                key.Equals($"ConnectionStrings__{name}", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith($"services__{name}__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith($"{name.ToUpperInvariant().Replace('-', '_')}_", StringComparison.Ordinal)))
            .ToList();
    }
}
