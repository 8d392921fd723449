using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Chaos;

/// <summary>
/// One edge of the graph ("workspaces->postgres") as a resource of its own, nested under the consumer in the Aspire
/// dashboard: its state shows the edge's faults, its commands set the common ones and clear them.
/// </summary>
public sealed class EdgeResource(string name, string edge) : Resource(name)
{
    public string Edge { get; } = edge;

    public static string ResourceName(string edge) => "edge-" + edge.Replace("->", "-to-", StringComparison.Ordinal);

    internal static IResourceBuilder<EdgeResource> Add(IDistributedApplicationBuilder builder, string edge, IResource consumer)
    {
        var resource = new EdgeResource(ResourceName(edge), edge);
        var faults = new (string Command, string Label, EdgeFaults Faults)[]
        {
            ("blackhole", "Partition (blackhole)", EdgeFaults.Both(new EdgeFault { Blackhole = true })),
            ("latency", "Add 500 ms latency", new EdgeFaults(new EdgeFault { Latency = TimeSpan.FromMilliseconds(500) }, EdgeFault.None)),
            ("resets", "Reset 5% of connections", EdgeFaults.Both(new EdgeFault { ResetProbability = 0.05 })),
            ("flapping", "Flap every 2 s", EdgeFaults.Both(new EdgeFault { FlapPeriod = TimeSpan.FromSeconds(2) })),
            ("clear", "Clear faults", EdgeFaults.None),
        };
        var edgeBuilder = builder.AddResource(resource)
            .WithParentRelationship(consumer)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "Edge", State = Describe(EdgeFaults.None), Properties = [new("edge", edge)] })
            .ExcludeFromManifest();
        foreach (var (command, label, edgeFaults) in faults)
        {
            edgeBuilder.WithCommand(command, label, async context =>
            {
                var router = context.Services.GetRequiredService<EdgeRouter>();
                if (edgeFaults.Equals(EdgeFaults.None))
                {
                    router.Clear(edge);
                }
                else
                {
                    router.Set(edge, edgeFaults);
                }

                await context.Services.GetRequiredService<ResourceNotificationService>().PublishUpdateAsync(resource, s => s with { State = Describe(router.FaultsOf(edge)) });
                return CommandResults.Success();
            }, new CommandOptions { Description = $"{label} on {edge}", IconName = command == "clear" ? "Dismiss" : "Warning" });
        }

        return edgeBuilder;
    }

    /// <summary>The state text: "no fault", or what is active each way.</summary>
    public static ResourceStateSnapshot Describe(EdgeFaults faults)
        => faults.Equals(EdgeFaults.None)
            ? new ResourceStateSnapshot("no fault", KnownResourceStateStyles.Success)
            : new ResourceStateSnapshot($"up: {Describe(faults.Upstream)}; down: {Describe(faults.Downstream)}", KnownResourceStateStyles.Warn);

    private static string Describe(EdgeFault fault) => fault.IsNone ? "none" : string.Join(", ", new[]
    {
        fault.Blackhole ? "blackhole" : null,
        fault.Latency > TimeSpan.Zero ? $"latency {fault.Latency.TotalMilliseconds:0} ms" : null,
        fault.Jitter > TimeSpan.Zero ? $"jitter {fault.Jitter.TotalMilliseconds:0} ms" : null,
        fault.Bandwidth > 0 ? $"{fault.Bandwidth} B/s" : null,
        fault.ResetProbability > 0 ? $"resets {fault.ResetProbability:P0}" : null,
        fault.SlowClose > TimeSpan.Zero ? $"slow close {fault.SlowClose.TotalMilliseconds:0} ms" : null,
        fault.FlapPeriod > TimeSpan.Zero ? $"flapping {fault.FlapPeriod.TotalSeconds:0.#} s" : null,
    }.OfType<string>());
}
