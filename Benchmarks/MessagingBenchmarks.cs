using Platform.Hosting.Processes;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Platform.Messaging.Kafka;
using Platform.Messaging.Outbox;

namespace Platform.Benchmarks;

/// <summary>
/// The outbox against the graph's two workspaces relays (throughput, and commit-to-consumed latency) with a direct
/// Kafka producer as the in-run baseline; and the async records projection's lag while the API is under write load.
/// </summary>
internal static class MessagingBenchmarks
{
    private const string Topic = "workspace-events";

    public static async Task RunAsync(DistributedApplication app, int runs)
    {
        var bootstrap = (await app.GetConnectionStringAsync("kafka"))!;
        // As the server's superuser: the lag probe reads records_view across tenants (the service's login would see none).
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(await app.GetConnectionStringAsync("postgres")) { Database = "workspacesdb" }.ConnectionString);
        using var producer = new ProducerBuilder<string, byte[]>(new KafkaSettings(bootstrap).Producer()).Build(); // the relay's own settings
        using var consumer = new ArrivalWatcher(bootstrap);

        const int count = 20_000;
        var messages = Enumerable.Range(0, count).Select(i => Message($"bench-{i % 1000}")).ToList();
        var clock = Stopwatch.StartNew();
        await WriteOutboxAsync(db, messages);
        await WaitDeliveredAsync(db, messages.Select(m => m.Id).ToArray());
        var relayRate = count / clock.Elapsed.TotalSeconds;
        clock.Restart();
        await Task.WhenAll(messages.Select(m => producer.ProduceAsync(Topic, new Message<string, byte[]> { Key = m.Key, Value = m.Payload, Headers = MessageHeaders.ToKafka(m.Headers) })));
        var directRate = count / clock.Elapsed.TotalSeconds;

        var viaOutbox = await Measure.LatencyAsync(runs, async _ =>
        {
            var message = Message("latency");
            var arrived = consumer.Expect(message.Id);
            await WriteOutboxAsync(db, [message]);
            await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        });
        var direct = await Measure.LatencyAsync(runs, async _ =>
        {
            var message = Message("latency");
            var arrived = consumer.Expect(message.Id);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await producer.ProduceAsync(Topic, new Message<string, byte[]> { Key = message.Key, Value = message.Payload, Headers = MessageHeaders.ToKafka(message.Headers) }, timeout.Token);
            await arrived.WaitAsync(timeout.Token);
        });

        Console.WriteLine();
        Console.WriteLine($"{"outbox to Kafka",-52} {"value",12} {"baseline",12} {"ratio",8}");
        Console.WriteLine($"{$"relay throughput, {count} messages, 2 relays (msg/s)",-52} {relayRate,12:0} {directRate,12:0} {relayRate / directRate,8:0.00}");
        Console.WriteLine($"{$"commit to consumed p50, {runs} sequential (ms)",-52} {viaOutbox.P50,12:0.00} {direct.P50,12:0.00} {viaOutbox.P50 / direct.P50,8:0.00}");
        Console.WriteLine($"{$"commit to consumed p99, {runs} sequential (ms)",-52} {viaOutbox.P99,12:0.00} {direct.P99,12:0.00} {viaOutbox.P99 / direct.P99,8:0.00}");
        Console.WriteLine("  (baseline: the same messages produced straight to Kafka, produce-to-consume)");

        await ProjectionLagAsync(app, db);
    }

    /// <summary>8 clients create records through both workspaces replicas; a sampler times how long each sampled record takes to appear in records_view.</summary>
    private static async Task ProjectionLagAsync(DistributedApplication app, NpgsqlDataSource db)
    {
        using var gateway = app.CreateHttpClient("gateway");
        await using var authdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("authdb"))!);
        var token = await Registrations.SignUpAsync(gateway, authdb, $"lag-{Guid.NewGuid():N}@example.com");
        var replicas = new[] { new HttpClient { BaseAddress = await app.Control().ReplicaUrlAsync("workspaces-0") }, new HttpClient { BaseAddress = await app.Control().ReplicaUrlAsync("workspaces-1") } };
        foreach (var replica in replicas)
        {
            replica.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        const int writers = 8;
        const int perWriter = 150;
        var targets = new List<(Guid Workspace, Guid Table)>(); // one workspace (stream) per client: no optimistic-concurrency contention
        for (var w = 0; w < writers; w++)
        {
            var workspace = await IdOf(await replicas[0].PostAsJsonAsync("/api/workspaces", new { name = $"lag {w}" }));
            targets.Add((workspace, await IdOf(await replicas[0].PostAsJsonAsync($"/api/workspaces/{workspace}/tables", new { name = "t", fields = new[] { new { name = "n", type = "number", required = true } } }))));
        }

        var latest = new ConcurrentQueue<(Guid Id, long CommittedAt)>();
        var lags = new ConcurrentBag<double>();
        using var load = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!load.IsCancellationRequested || !latest.IsEmpty)
            {
                if (!latest.TryDequeue(out var sample))
                {
                    await Task.Delay(5);
                    continue;
                }

                while (!await VisibleAsync(db, sample.Id))
                {
                    await Task.Delay(2);
                }

                lags.Add(Stopwatch.GetElapsedTime(sample.CommittedAt).TotalMilliseconds);
                latest.Clear(); // sample the newest write next, not a backlog
            }
        });
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                using var created = await replicas[(w + i) % 2].PostAsJsonAsync($"/api/workspaces/{targets[w].Workspace}/tables/{targets[w].Table}/records", new { values = new { n = i } });
                var committedAt = Stopwatch.GetTimestamp();
                latest.Enqueue((await IdOf(created), committedAt));
            }
        })));
        var writeRate = writers * perWriter / clock.Elapsed.TotalSeconds;
        await load.CancelAsync();
        await sampler;
        var (p50, p99) = Measure.Percentiles(lags);
        Console.WriteLine();
        Console.WriteLine($"async projection lag under load: {writers} clients, {writeRate:0} record writes/s on {writers} workspace streams; write response to visible in records_view over {lags.Count} samples: p50 {p50:0.0} ms, p99 {p99:0.0} ms");
        foreach (var replica in replicas)
        {
            replica.Dispose();
        }
    }

    private static async Task<Guid> IdOf(HttpResponseMessage response)
    {
        using (response)
        {
            response.EnsureSuccessStatusCode();
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
    }

    private static async Task<bool> VisibleAsync(NpgsqlDataSource db, Guid recordId)
    {
        await using var select = db.CreateCommand("SELECT 1 FROM records_view WHERE record_id = $1");
        select.Parameters.Add(new() { Value = recordId });
        return await select.ExecuteScalarAsync() is not null;
    }

    private static OutboxMessage Message(string key) => OutboxMessage.Create(Topic, key, "bench.probe", new { key, payload = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" }, "bench", null);

    private static async Task WriteOutboxAsync(NpgsqlDataSource db, IReadOnlyCollection<OutboxMessage> messages)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Outbox.WriteAsync(connection, transaction, messages, CancellationToken.None);
        await transaction.CommitAsync();
    }

    private static async Task WaitDeliveredAsync(NpgsqlDataSource db, Guid[] ids)
    {
        await using var count = db.CreateCommand("SELECT count(*) FROM outbox_messages WHERE id = ANY($1) AND delivered_at IS NOT NULL");
        count.Parameters.Add(new() { Value = ids });
        while ((long)(await count.ExecuteScalarAsync())! < ids.Length)
        {
            await Task.Delay(10);
        }
    }

    /// <summary>Follows every partition from its end and completes the task of each expected message id when it arrives.</summary>
    private sealed class ArrivalWatcher : IDisposable
    {
        private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _expected = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;

        public ArrivalWatcher(string bootstrap)
        {
            var consumer = new ConsumerBuilder<string, byte[]>(new KafkaSettings(bootstrap).Consumer("bench-watcher")).Build(); // the services' consumer settings
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                consumer.Assign(admin.GetMetadata(Topic, TimeSpan.FromSeconds(10)).Topics.Single().Partitions.Select(p => new TopicPartitionOffset(Topic, p.PartitionId, Offset.End)));
            }

            _thread = new Thread(() =>
            {
                using (consumer)
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                        if (result?.Message is not null && Guid.TryParse(result.Message.Headers.Get(MessageHeaders.MessageId), out var id) && _expected.TryRemove(id, out var arrived))
                        {
                            arrived.TrySetResult();
                        }
                    }
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public Task Expect(Guid id) => _expected.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
            _stop.Dispose();
        }
    }
}
