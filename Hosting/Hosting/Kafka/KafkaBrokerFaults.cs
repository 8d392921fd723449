using Platform.Hosting.Orchestration;

namespace Platform.Hosting.Kafka;

/// <summary>
/// Faults of the in-memory Kafka cluster, sent to its host process as commands: a broker down or up, a round-trip
/// time, a partition leader moved. Edge proxies cannot stand in for these: Kafka clients connect to the brokers the
/// cluster advertises, not to the bootstrap address.
/// </summary>
public sealed class KafkaBrokerFaults
{
    private readonly ResourceInstance _broker;

    internal KafkaBrokerFaults(ResourceInstance broker) => _broker = broker;

    public Task BrokerDownAsync(int broker = 1) => SendAsync($"down {broker}");

    public Task BrokerUpAsync(int broker = 1) => SendAsync($"up {broker}");

    public Task SetRoundTripTimeAsync(int broker, TimeSpan roundTrip) => SendAsync($"rtt {broker} {(int)roundTrip.TotalMilliseconds}");

    public Task MoveLeaderAsync(string topic, int partition, int broker) => SendAsync($"leader {topic} {partition} {broker}");

    /// <summary>The next <paramref name="count"/> requests of a Kafka API (0 = Produce, 1 = Fetch, 3 = Metadata, ...) fail with a protocol error code (e.g. 6 = NOT_LEADER_FOR_PARTITION).</summary>
    public Task PushRequestErrorsAsync(short apiKey, int count, int errorCode) => SendAsync($"errors {apiKey} {count} {errorCode}");

    public Task ClearRequestErrorsAsync(short apiKey) => SendAsync($"clear-errors {apiKey}");

    private async Task SendAsync(string command)
    {
        var process = _broker.Process ?? throw new InvalidOperationException($"{_broker.Name} is not running.");
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string line)
        {
            if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("ERR", StringComparison.Ordinal))
            {
                answer.TrySetResult(line);
            }
        }

        _broker.Logs.LineWritten += OnLine;
        try
        {
            await process.WriteLineAsync(command);
            var reply = await answer.Task.WaitAsync(TimeSpan.FromSeconds(5));
            if (reply != "OK")
            {
                throw new InvalidOperationException($"Kafka fault '{command}' failed: {reply}");
            }
        }
        finally
        {
            _broker.Logs.LineWritten -= OnLine;
        }
    }
}
