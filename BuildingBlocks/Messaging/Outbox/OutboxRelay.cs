using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Messaging.Kafka;
using Platform.Postgres;

namespace Platform.Messaging.Outbox;

public sealed class OutboxRelayOptions
{
    public int BatchSize { get; set; } = 500;

    /// <summary>After this many failed attempts a message is parked as a dead letter.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>How long an idle relay waits for a NOTIFY before looking again anyway.</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan DeliveredRetention { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Publishes committed outbox messages to Kafka (key = aggregate id) and marks them delivered. A relay leases a lane
/// with a transaction-scoped advisory lock, so any number of relays can run and messages of one key are sent by one
/// relay, in order. Crashing mid-batch rolls the lease back: the batch is sent again (at-least-once; consumers dedupe).
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource db, IProducer<string, byte[]> producer, OutboxRelayOptions options, TimeProvider clock, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int LaneLockClass = 7235012;

    private static readonly HashSet<ErrorCode> Permanent =
    [
        ErrorCode.MsgSizeTooLarge, ErrorCode.InvalidMsg, ErrorCode.InvalidMsgSize,
        ErrorCode.RecordListTooLarge, ErrorCode.TopicException, ErrorCode.TopicAuthorizationFailed, ErrorCode.Local_InvalidArg,
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastCleanup = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await db.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxSchema.NotifyChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await RelayOnceAsync(stoppingToken) == 0)
                    {
                        await listener.WaitAsync(options.IdleWait, stoppingToken);
                    }

                    failures = 0;
                    if (clock.GetUtcNow() - lastCleanup > TimeSpan.FromMinutes(1))
                    {
                        await DeleteDeliveredAsync(stoppingToken);
                        lastCleanup = clock.GetUtcNow();
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                failures++;
                logger.LogWarning("Outbox relay cannot reach its database ({Message}); retrying.", e.Message);
            }

            await WaitQuietlyAsync(Backoff(failures), stoppingToken);
        }
    }

    private async Task WaitQuietlyAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(delay, clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>One pass over every lane with due messages; returns how many messages were settled (delivered or dead).</summary>
    public async Task<int> RelayOnceAsync(CancellationToken cancellationToken)
    {
        var lanes = new List<int>();
        await using (var select = db.CreateCommand("SELECT DISTINCT lane FROM outbox_messages WHERE delivered_at IS NULL AND dead_at IS NULL AND next_attempt_at <= now()"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                lanes.Add(reader.GetInt32(0));
            }
        }

        var settled = 0;
        await Parallel.ForEachAsync(lanes, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (lane, ct) =>
            Interlocked.Add(ref settled, await RelayLaneAsync(lane, ct)));
        return settled;
    }

    private async Task<int> RelayLaneAsync(int lane, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lease = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1, $2)", connection, transaction) { Parameters = { new() { Value = LaneLockClass }, new() { Value = lane } } })
        {
            if (!(bool)(await lease.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0; // another relay holds this lane
            }
        }

        var batch = await ReadDueAsync(connection, transaction, lane, cancellationToken);
        var deliveries = batch.Select(m => SendAsync(m, cancellationToken)).ToList();
        var delivered = new List<long>();
        var dead = new List<(long Sequence, string Reason)>();
        (long Sequence, int Attempts, string Reason)? retry = null;
        for (var i = 0; i < batch.Count; i++)
        {
            var error = await deliveries[i];
            if (retry is not null)
            {
                continue; // behind a failed message of the lane: stays pending so the key's order holds
            }

            if (error is null)
            {
                delivered.Add(batch[i].Sequence);
            }
            else if (error.Value.Permanent || batch[i].Attempts + 1 >= options.MaxAttempts)
            {
                dead.Add((batch[i].Sequence, error.Value.Reason));
            }
            else
            {
                retry = (batch[i].Sequence, batch[i].Attempts + 1, error.Value.Reason);
            }
        }

        await Execute(connection, transaction, "UPDATE outbox_messages SET delivered_at = now(), attempts = attempts + 1 WHERE sequence = ANY($1)", delivered.ToArray());
        foreach (var (sequence, reason) in dead)
        {
            await Execute(connection, transaction, "UPDATE outbox_messages SET dead_at = now(), attempts = attempts + 1, last_error = $2 WHERE sequence = $1", sequence, reason);
            logger.LogError("Outbox message {Sequence} parked as a dead letter: {Reason}", sequence, reason);
        }

        if (retry is { } r)
        {
            await Execute(connection, transaction, "UPDATE outbox_messages SET attempts = $2, last_error = $3, next_attempt_at = now() + $4 WHERE sequence = $1",
                r.Sequence, r.Attempts, r.Reason, Backoff(r.Attempts));
            logger.LogWarning("Outbox message {Sequence} failed (attempt {Attempt}): {Reason}", r.Sequence, r.Attempts, r.Reason);
        }

        await transaction.CommitAsync(CancellationToken.None);
        MessagingTelemetry.Delivered.Add(delivered.Count);
        MessagingTelemetry.DeadLettered.Add(dead.Count);
        MessagingTelemetry.Retried.Add(retry is null ? 0 : 1);
        return delivered.Count + dead.Count;
    }

    private async Task<List<PendingMessage>> ReadDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int lane, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT sequence, topic, key, payload, headers, attempts, next_attempt_at <= now()
            FROM outbox_messages WHERE lane = $1 AND delivered_at IS NULL AND dead_at IS NULL
            ORDER BY sequence LIMIT $2
            """, connection, transaction) { Parameters = { new() { Value = lane }, new() { Value = options.BatchSize } } };
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var batch = new List<PendingMessage>();
        while (await reader.ReadAsync(cancellationToken) && reader.GetBoolean(6))
        {
            batch.Add(new PendingMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3], reader.GetString(4), reader.GetInt32(5)));
        }

        return batch; // stops at the first message still backing off: nothing overtakes it
    }

    private async Task<(bool Permanent, string Reason)?> SendAsync(PendingMessage message, CancellationToken cancellationToken)
    {
        Dictionary<string, string> headers;
        try
        {
            headers = JsonSerializer.Deserialize<Dictionary<string, string>>(message.Headers) ?? [];
        }
        catch (JsonException e)
        {
            return (true, "Unreadable headers: " + e.Message);
        }

        using var activity = MessagingTelemetry.Start($"{message.Topic} publish", ActivityKind.Producer, headers.GetValueOrDefault(MessageHeaders.TraceParent));
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.destination.name", message.Topic);
        try
        {
            await producer.ProduceAsync(message.Topic, new Message<string, byte[]> { Key = message.Key, Value = message.Payload, Headers = MessageHeaders.ToKafka(headers) }, cancellationToken);
            return null;
        }
        catch (ProduceException<string, byte[]> e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            return (Permanent.Contains(e.Error.Code), $"{e.Error.Code}: {e.Error.Reason}");
        }
        catch (KafkaException e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Error.Reason);
            return (false, $"{e.Error.Code}: {e.Error.Reason}");
        }
    }

    private async Task DeleteDeliveredAsync(CancellationToken cancellationToken)
    {
        await using var delete = db.CreateCommand("DELETE FROM outbox_messages WHERE delivered_at < now() - $1");
        delete.Parameters.Add(new() { Value = options.DeliveredRetention });
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, params object[] parameters)
    {
        await using var command = Sql.Command(connection, transaction, sql, parameters);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static TimeSpan Backoff(int attempt)
        => TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(attempt, 10))) * (0.8 + (Random.Shared.NextDouble() * 0.4)));

    private sealed record PendingMessage(long Sequence, string Topic, string Key, byte[] Payload, string Headers, int Attempts);
}
