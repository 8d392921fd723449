using System.Net.Sockets;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Kafka;

/// <summary>
/// Faults of the in-memory Kafka cluster, sent to its control port: a broker down or up, a round-trip time, a partition
/// leader moved, protocol errors. Edge proxies cannot stand in for these: Kafka clients connect to the brokers the
/// cluster advertises, not to the bootstrap address. From a shell: <c>echo "down 1" | nc 127.0.0.1 &lt;control port&gt;</c>.
/// </summary>
public sealed class KafkaBrokerFaults(KafkaProcessResource kafka)
{
    public Task BrokerDownAsync(int broker = 1) => SendAsync($"down {broker}");

    public Task BrokerUpAsync(int broker = 1) => SendAsync($"up {broker}");

    public Task SetRoundTripTimeAsync(int broker, TimeSpan roundTrip) => SendAsync($"rtt {broker} {(int)roundTrip.TotalMilliseconds}");

    public Task MoveLeaderAsync(string topic, int partition, int broker) => SendAsync($"leader {topic} {partition} {broker}");

    /// <summary>The next <paramref name="count"/> requests of a Kafka API (0 = Produce, 1 = Fetch, 3 = Metadata, ...) fail with a protocol error code (e.g. 6 = NOT_LEADER_FOR_PARTITION).</summary>
    public Task PushRequestErrorsAsync(short apiKey, int count, int errorCode) => SendAsync($"errors {apiKey} {count} {errorCode}");

    public Task ClearRequestErrorsAsync(short apiKey) => SendAsync($"clear-errors {apiKey}");

    private async Task SendAsync(string command)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", kafka.ControlEndpoint.Port, timeout.Token);
        using var reader = new StreamReader(client.GetStream());
        await using var writer = new StreamWriter(client.GetStream()) { AutoFlush = true, NewLine = "\n" };
        await writer.WriteLineAsync(command.AsMemory(), timeout.Token);
        var reply = await reader.ReadLineAsync(timeout.Token);
        if (reply != "OK")
        {
            throw new InvalidOperationException($"Kafka fault '{command}' failed: {reply ?? "no answer"}");
        }
    }
}

public static class KafkaBrokerFaultsExtensions
{
    /// <summary>Broker faults of a local Kafka cluster of the graph.</summary>
    public static KafkaBrokerFaults KafkaFaults(this DistributedApplication app, string name)
        => app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<KafkaProcessResource>().FirstOrDefault(r => r.Name == name) is { } kafka
            ? new KafkaBrokerFaults(kafka)
            : throw new ArgumentException($"No local Kafka cluster named '{name}' in this graph.", nameof(name));
}
