using System.Globalization;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting.Kafka;

/// <summary>Runs Platform.KafkaBroker (shipped next to this assembly) and learns the bootstrap list from its first line.</summary>
internal sealed class KafkaLauncher : IResourceLauncher
{
    public const string BootstrapPrefix = "BOOTSTRAP ";

    // A restart launches again; the log subscription that reads the new bootstrap list is made once.
    private readonly HashSet<ResourceInstance> _listening = [];

    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var kafka = (KafkaServerResource)instance.Resource;
        var broker = Path.Combine(AppContext.BaseDirectory, "Platform.KafkaBroker.dll");
        if (!File.Exists(broker))
        {
            throw new DistributedApplicationException($"The Kafka broker host is missing at {broker}; build the solution first.");
        }

        kafka.ResetBootstrap();
        if (_listening.Add(instance))
        {
            instance.Logs.LineWritten += line =>
            {
                if (line.StartsWith(BootstrapPrefix, StringComparison.Ordinal))
                {
                    kafka.SetBootstrap(line[BootstrapPrefix.Length..].Trim());
                }
            };
        }

        var spec = new ProcessSpec("dotnet") { WorkingDirectory = run.CreateFolder(instance.Name) };
        spec.Arguments.Add(broker);
        spec.Arguments.Add("--brokers");
        spec.Arguments.Add(kafka.Brokers.ToString(CultureInfo.InvariantCulture));
        foreach (var topic in kafka.Topics)
        {
            spec.Arguments.Add("--topic");
            spec.Arguments.Add($"{topic.Name}:{topic.Partitions.ToString(CultureInfo.InvariantCulture)}");
        }

        return Task.FromResult<ProcessSpec?>(spec);
    }

    public async Task OnLaunchedAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
        => await ((KafkaServerResource)instance.Resource).GetConnectionStringAsync(cancellationToken);

    public async Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var bootstrap = await ((KafkaServerResource)instance.Resource).GetConnectionStringAsync(cancellationToken);
        var first = bootstrap.Split(',')[0];
        return await Probes.TcpAsync(int.Parse(first[(first.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture), cancellationToken);
    }
}
