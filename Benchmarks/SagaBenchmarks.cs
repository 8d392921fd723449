using System.Diagnostics;
using Npgsql;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Platform.Benchmarks;

/// <summary>
/// The registration saga (3 steps in 3 services: 6 bus messages, 7 transactions): completion latency of sequential
/// and concurrent registrations, and the time from an injected failure to the fully compensated state. Baseline, measured
/// in the same run: the floor of that work, 6 raw RabbitMQ publish-to-consume hops (durable queue, persistent message,
/// publisher confirms) plus 7 Postgres commits (INSERT + COMMIT) on the graph's servers.
/// </summary>
internal static class SagaBenchmarks
{
    private const int Hops = 6;
    private const int Commits = 7;

    public static async Task RunAsync(DistributedApplication app, int runs)
    {
        using var gateway = app.CreateHttpClient("gateway");
        await using var authdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("authdb"))!);
        await using var workspacesdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("workspacesdb"))!);
        var hop = await RabbitHopAsync(app, runs);
        var commit = await CommitAsync(authdb, runs);
        var floor = (Hops * hop.P50) + (Commits * commit.P50);

        await Registrations.RegisterAsync(gateway, authdb, $"warm-{Guid.NewGuid():N}@example.com");
        var sequential = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await Registrations.RegisterAsync(gateway, authdb, $"saga-{i}-{Guid.NewGuid():N}@example.com");
            sequential.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var concurrent = new List<double>();
        var wall = Stopwatch.StartNew();
        using var inFlight = new SemaphoreSlim(10);
        await Task.WhenAll(Enumerable.Range(0, runs).Select(async i =>
        {
            await inFlight.WaitAsync();
            try
            {
                var started = Stopwatch.GetTimestamp();
                await Registrations.RegisterAsync(gateway, authdb, $"saga-c{i}-{Guid.NewGuid():N}@example.com");
                lock (concurrent)
                {
                    concurrent.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
            finally
            {
                inFlight.Release();
            }
        }));
        var throughput = runs / wall.Elapsed.TotalSeconds;

        var compensation = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var (id, status) = await Registrations.RegisterAsync(gateway, authdb, $"saga-f{i}-{Guid.NewGuid():N}@example.com", "workspace=fail");
            if (status != "failed")
            {
                throw new InvalidOperationException($"An injected failure ended {status}: is Sagas:AllowFaultInjection on?");
            }

            var failedAt = await ScalarAsync<DateTime>(workspacesdb, "SELECT updated_at FROM saga_steps WHERE saga_id = $1 AND step = 'workspace'", id);
            var endedAt = await ScalarAsync<DateTime>(authdb, "SELECT ended_at FROM sagas WHERE id = $1", id);
            compensation.Add((endedAt - failedAt).TotalMilliseconds);
        }

        var seq = Measure.Percentiles(sequential);
        var con = Measure.Percentiles(concurrent);
        var comp = Measure.Percentiles(compensation);
        Console.WriteLine();
        Console.WriteLine($"{"registration saga (3 steps, 6 messages, 7 transactions)",-58} {"p50 ms",8} {"p99 ms",8} {"p50 / floor",12}");
        Console.WriteLine($"{"raw RabbitMQ publish -> consume, one hop",-58} {hop.P50,8:0.00} {hop.P99,8:0.00} {"",12}");
        Console.WriteLine($"{"raw Postgres INSERT + COMMIT",-58} {commit.P50,8:0.00} {commit.P99,8:0.00} {"",12}");
        Console.WriteLine($"{"floor: 6 hops + 7 commits (baseline)",-58} {floor,8:0.00} {"",8} {"1.0",12}");
        Console.WriteLine($"{$"202 -> completed, {runs} sequential",-58} {seq.P50,8:0.00} {seq.P99,8:0.00} {seq.P50 / floor,12:0.0}");
        Console.WriteLine($"{$"202 -> completed, {runs} with 10 in flight ({throughput:0.0}/s)",-58} {con.P50,8:0.00} {con.P99,8:0.00} {con.P50 / floor,12:0.0}");
        Console.WriteLine($"{"injected failure at the last step -> compensated, 20 runs",-58} {comp.P50,8:0.00} {comp.P99,8:0.00} {"",13}");
        Console.WriteLine("  (completed = the status authdb serves, polled every 5 ms; compensated = from the failed step's ledger entry to the saga's end)");
    }

    private static async Task<(double P50, double P99)> RabbitHopAsync(DistributedApplication app, int runs)
    {
        var factory = new ConnectionFactory { Uri = new Uri((await app.GetConnectionStringAsync("messaging"))!) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = (await channel.QueueDeclareAsync($"bench-hop-{Guid.NewGuid():N}", durable: true, exclusive: false, autoDelete: true)).QueueName;
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, _) =>
        {
            received.TrySetResult();
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var body = new byte[512];
        return await Measure.LatencyAsync(runs, async _ =>
        {
            received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await channel.BasicPublishAsync("", queue, mandatory: false, new BasicProperties { Persistent = true }, body);
            await received.Task;
        });
    }

    private static async Task<(double P50, double P99)> CommitAsync(NpgsqlDataSource db, int runs)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE bench_commit (id uuid PRIMARY KEY, at timestamptz NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync(); // a logged table, like the saga's (a temporary one would skip the WAL)
        }

        try
        {
            return await Measure.LatencyAsync(runs, async _ =>
            {
                await using var transaction = await connection.BeginTransactionAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO bench_commit VALUES ($1, now())", connection, transaction) { Parameters = { new() { Value = Guid.NewGuid() } } };
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            });
        }
        finally
        {
            await using var drop = new NpgsqlCommand("DROP TABLE bench_commit", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, Guid id)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new() { Value = id });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
