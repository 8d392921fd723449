using Npgsql;

namespace Platform.Messaging.Outbox;

public sealed record DeadLetter(Guid Id, string Topic, string Key, string Type, int Attempts, string? Reason, DateTimeOffset DeadAt);

/// <summary>Outbox messages the relay gave up on, with the reason; replaying one puts it back in its lane.</summary>
public static class DeadLetters
{
    public static async Task<IReadOnlyList<DeadLetter>> ListAsync(NpgsqlDataSource db, int limit, CancellationToken cancellationToken)
    {
        await using var select = db.CreateCommand("SELECT id, topic, key, type, attempts, last_error, dead_at FROM outbox_messages WHERE dead_at IS NOT NULL ORDER BY dead_at DESC LIMIT $1");
        select.Parameters.Add(new() { Value = limit });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var letters = new List<DeadLetter>();
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(new DeadLetter(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return letters;
    }

    /// <summary>Returns false when there is no dead letter with that id.</summary>
    public static async Task<bool> ReplayAsync(NpgsqlDataSource db, Guid id, CancellationToken cancellationToken)
    {
        await using var replay = db.CreateCommand(
            $"WITH replayed AS (UPDATE outbox_messages SET dead_at = NULL, attempts = 0, last_error = NULL, next_attempt_at = '-infinity' WHERE id = $1 AND dead_at IS NOT NULL RETURNING 1) " +
            $"SELECT count(*) FROM replayed, pg_notify('{OutboxSchema.NotifyChannel}', '')");
        replay.Parameters.Add(new() { Value = id });
        return (long)(await replay.ExecuteScalarAsync(cancellationToken))! == 1;
    }
}
