using System.Globalization;
using System.Net.Sockets;

namespace Platform.KafkaBroker;

/// <summary>Fault commands, one per line over a control connection, applied to the cluster and answered "OK" or "ERR reason".</summary>
internal static class FaultCommand
{
    public static async Task ServeAsync(MockCluster cluster, TcpClient client, CancellationToken stop)
    {
        using var reader = new StreamReader(client.GetStream());
        await using var writer = new StreamWriter(client.GetStream()) { AutoFlush = true, NewLine = "\n" };
        while (await reader.ReadLineAsync(stop) is { } line)
        {
            await writer.WriteLineAsync(Run(cluster, line));
        }
    }

    public static string Run(MockCluster cluster, string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        try
        {
            var error = words switch
            {
                ["down", var broker] => cluster.SetBrokerDown(Int(broker)),
                ["up", var broker] => cluster.SetBrokerUp(Int(broker)),
                ["rtt", var broker, var ms] => cluster.SetRoundTripTime(Int(broker), Int(ms)),
                ["leader", var topic, var partition, var broker] => cluster.SetPartitionLeader(topic, Int(partition), Int(broker)),
                ["errors", var apiKey, var count, var code] => cluster.PushRequestErrors((short)Int(apiKey), Int(count), Int(code)),
                ["clear-errors", var apiKey] => cluster.ClearRequestErrors((short)Int(apiKey)),
                _ => throw new FormatException($"unknown command '{line}'"),
            };
            return error == 0 ? "OK" : $"ERR librdkafka error {error}";
        }
        catch (FormatException e)
        {
            return "ERR " + e.Message;
        }
    }

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);
}
