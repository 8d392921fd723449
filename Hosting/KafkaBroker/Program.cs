using System.Globalization;
using Platform.KafkaBroker;

// Usage: Platform.KafkaBroker --brokers N --topic name:partitions ...
// Prints "BOOTSTRAP host:port,..." once listening, then takes fault commands on stdin, one per line:
//   down <broker> | up <broker> | rtt <broker> <ms> | leader <topic> <partition> <broker> | errors <apiKey> <count> <code> | clear-errors <apiKey>
// and answers "OK" or "ERR <reason>". Exits when stdin closes (its host is gone) or on SIGTERM.
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

Console.WriteLine($"BOOTSTRAP {cluster.Bootstrap}");
Console.WriteLine($"topics: {string.Join(", ", topics.Select(t => $"{t.Name} ({t.Partitions} partitions)"))}");

using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var commands = Task.Run(() =>
{
    while (Console.In.ReadLine() is { } line)
    {
        Console.WriteLine(FaultCommand.Run(cluster, line));
    }
});
await Task.WhenAny(commands, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
return 0;
