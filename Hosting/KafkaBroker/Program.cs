using System.Globalization;
using System.Net;
using Platform.KafkaBroker;

// Usage: Platform.KafkaBroker --brokers N --topic name:partitions ...
// Environment: KAFKA_BOOTSTRAP_PORT, a stable loopback address relayed to the cluster's brokers (their own ports are chosen
// by the kernel, and clients learn them from metadata); KAFKA_CONTROL_PORT, fault commands one per line:
//   down <broker> | up <broker> | rtt <broker> <ms> | leader <topic> <partition> <broker> | errors <apiKey> <count> <code> | clear-errors <apiKey>
// each answered "OK" or "ERR <reason>". Stops on SIGTERM.
var brokers = 1;
var topics = new List<(string Name, int Partitions)>();
for (var i = 0; i < args.Length - 1; i += 2)
{
    switch (args[i])
    {
        case "--brokers":
            brokers = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--topic":
            var parts = args[i + 1].Split(':');
            topics.Add((parts[0], parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 6));
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

using var cluster = new MockCluster(brokers);
foreach (var (name, partitions) in topics)
{
    var error = cluster.CreateTopic(name, partitions);
    if (error != 0)
    {
        Console.Error.WriteLine($"creating topic {name} failed: error {error}");
        return 1;
    }
}

using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var brokerAddresses = cluster.Bootstrap.Split(',').Select(IPEndPoint.Parse).ToArray();
var relay = LoopbackServer.Start(Port("KAFKA_BOOTSTRAP_PORT"), client => BootstrapRelay.PipeAsync(client, brokerAddresses, stop.Token), stop.Token);
var control = LoopbackServer.Start(Port("KAFKA_CONTROL_PORT"), client => FaultCommand.ServeAsync(cluster, client, stop.Token), stop.Token);
Console.WriteLine($"brokers: {cluster.Bootstrap}; bootstrap relay on {relay.Port}, fault commands on {control.Port}");
Console.WriteLine($"topics: {string.Join(", ", topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))}");
await Task.WhenAll(relay.Serving, control.Serving);
return 0;

static int Port(string variable) => int.Parse(Environment.GetEnvironmentVariable(variable) ?? "0", CultureInfo.InvariantCulture);
