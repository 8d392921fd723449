using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Resilience;
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
/// Delivers committed outbox messages through their transport (Kafka, key = aggregate id; or the bus) and marks them
/// delivered; it also releases scheduled messages when they are due. A relay leases a lane
/// with a transaction-scoped advisory lock, so any number of relays can run and messages of one key are sent by one
/// relay, in order. Crashing mid-batch rolls the lease back: the batch is sent again (at-least-once; consumers dedupe).
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource db, IEnumerable<IOutboxTransport> transports, OutboxRelayOptions options, TimeProvider clock, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int LaneLockClass = 7235012;

    private readonly Dictionary<string, IOutboxTransport> _transports = transports.ToDictionary(t => t.Name);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastCleanup = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await Notifications.ListenAsync(db, OutboxSchema.NotifyChannel, stoppingToken);

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

            await WaitQuietlyAsync(ResilienceRules.Backoff(failures, ResilienceRules.ReconnectCeiling), stoppingToken);
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
        await ReleaseDueAsync(cancellationToken);
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
        var outcomes = await SendInKeyOrderAsync(batch, m => m.Key, m => SendAsync(m, cancellationToken));
        var delivered = new List<long>();
        var dead = new List<(long Sequence, string Reason)>();
        (long Sequence, int Attempts, string Reason)? retry = null;
        var held = false;
        for (var i = 0; i < batch.Count; i++)
        {
            if (outcomes[i] is not { } error || retry is not null || held)
            {
                // Not sent (behind a failure of its key), or behind a failed message of the lane: stays pending, so a
                // key's order holds.
                held = true;
                continue;
            }

            if (error.Failure is not { } failure)
            {
                delivered.Add(batch[i].Sequence);
            }
            else if (failure.Permanent || batch[i].Attempts + 1 >= options.MaxAttempts)
            {
                dead.Add((batch[i].Sequence, failure.Reason));
            }
            else
            {
                retry = (batch[i].Sequence, batch[i].Attempts + 1, failure.Reason);
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
                r.Sequence, r.Attempts, r.Reason, ResilienceRules.Backoff(r.Attempts, ResilienceRules.RedeliveryCeiling));
            logger.LogWarning("Outbox message {Sequence} failed (attempt {Attempt}): {Reason}", r.Sequence, r.Attempts, r.Reason);
        }

        await transaction.CommitAsync(CancellationToken.None);
        MessagingTelemetry.Delivered.Add(delivered.Count);
        MessagingTelemetry.DeadLettered.Add(dead.Count);
        MessagingTelemetry.Retried.Add(retry is null ? 0 : 1);
        return delivered.Count + dead.Count;
    }

    /// <summary>The outcome of one send: <see cref="Failure"/> is null when the message went out.</summary>
    public readonly record struct Sent(DeliveryFailure? Failure);

    /// <summary>
    /// Sends a batch with the messages of one key strictly one after another, in batch order (the next starts only
    /// when the previous is acknowledged), and different keys concurrently. After a failure, the key's later messages
    /// are not sent (null outcome): they wait for the next pass behind it.
    /// </summary>
    public static async Task<Sent?[]> SendInKeyOrderAsync<T>(IReadOnlyList<T> batch, Func<T, string> key, Func<T, Task<DeliveryFailure?>> send)
    {
        var outcomes = new Sent?[batch.Count];
        await Task.WhenAll(Enumerable.Range(0, batch.Count).GroupBy(i => key(batch[i]), StringComparer.Ordinal).Select(async indices =>
        {
            foreach (var i in indices)
            {
                var failure = await send(batch[i]);
                outcomes[i] = new Sent(failure);
                if (failure is not null)
                {
                    return;
                }
            }
        }));
        return outcomes;
    }

    private async Task<List<PendingMessage>> ReadDueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int lane, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            """
            SELECT sequence, transport, topic, key, type, payload, headers, attempts, next_attempt_at <= now()
            FROM outbox_messages WHERE lane = $1 AND delivered_at IS NULL AND dead_at IS NULL
            ORDER BY sequence LIMIT $2
            """, connection, transaction) { Parameters = { new() { Value = lane }, new() { Value = options.BatchSize } } };
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var batch = new List<PendingMessage>();
        while (await reader.ReadAsync(cancellationToken) && reader.GetBoolean(8))
        {
            batch.Add(new PendingMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), (byte[])reader[5], reader.GetString(6), reader.GetInt32(7)));
        }

        return batch; // stops at the first message still backing off: nothing overtakes it
    }

    private async Task<DeliveryFailure?> SendAsync(PendingMessage message, CancellationToken cancellationToken)
    {
        Dictionary<string, string> headers;
        try
        {
            headers = JsonSerializer.Deserialize<Dictionary<string, string>>(message.Headers) ?? [];
        }
        catch (JsonException e)
        {
            return new DeliveryFailure(true, "Unreadable headers: " + e.Message);
        }

        if (!_transports.TryGetValue(message.Transport, out var transport))
        {
            return new DeliveryFailure(true, $"This service has no '{message.Transport}' transport.");
        }

        using var activity = MessagingTelemetry.Start($"{message.Topic} publish", ActivityKind.Producer, headers.GetValueOrDefault(MessageHeaders.TraceParent));
        activity?.SetTag("messaging.system", message.Transport == OutboxTransports.Kafka ? "kafka" : "rabbitmq");
        activity?.SetTag("messaging.destination.name", message.Topic);
        var failure = await transport.SendAsync(new OutboxEnvelope(message.Topic, message.Key, message.Type, message.Payload, headers), cancellationToken);
        if (failure is { } f)
        {
            activity?.SetStatus(ActivityStatusCode.Error, f.Reason);
        }

        return failure;
    }

    /// <summary>Moves scheduled messages that are due into the outbox (atomically: each is moved once, by one relay).</summary>
    private async Task<int> ReleaseDueAsync(CancellationToken cancellationToken)
    {
        // Looked for first: an INSERT of no rows would still fire the outbox's NOTIFY and wake every relay again.
        await using (var due = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM outbox_scheduled WHERE due_at <= now())"))
        {
            if (!(bool)(await due.ExecuteScalarAsync(cancellationToken))!)
            {
                return 0;
            }
        }

        await using var release = db.CreateCommand(
            """
            WITH due AS (
              DELETE FROM outbox_scheduled WHERE id IN (SELECT id FROM outbox_scheduled WHERE due_at <= now() ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
              RETURNING id, transport, topic, key, type, payload, headers, due_at)
            INSERT INTO outbox_messages (id, transport, topic, key, type, payload, headers)
            SELECT id, transport, topic, key, type, payload, headers FROM due ORDER BY due_at
            """);
        return await release.ExecuteNonQueryAsync(cancellationToken);
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

    private sealed record PendingMessage(long Sequence, string Transport, string Topic, string Key, string Type, byte[] Payload, string Headers, int Attempts);
}
