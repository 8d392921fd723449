using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Messaging.Outbox;

/// <summary>Writes messages into the outbox inside the caller's transaction: they exist exactly when that transaction commits.</summary>
public static class Outbox
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var now = messages.Where(m => m.DueAt is null).ToList();
        var later = messages.Where(m => m.DueAt is not null).ToList();
        if (now.Count > 0)
        {
            await InsertAsync(connection, transaction, "outbox_messages", "", now, cancellationToken);
        }

        if (later.Count > 0)
        {
            await InsertAsync(connection, transaction, "outbox_scheduled", ", due_at", later, cancellationToken);
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string table, string dueColumn, List<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO {table} (id, transport, topic, key, type, payload, headers{dueColumn})
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[], $7::jsonb[]{(dueColumn.Length > 0 ? ", $8::timestamptz[]" : "")})
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = messages.Select(m => m.Id).ToArray() },
                new() { Value = messages.Select(m => m.Transport).ToArray() },
                new() { Value = messages.Select(m => m.Topic).ToArray() },
                new() { Value = messages.Select(m => m.Key).ToArray() },
                new() { Value = messages.Select(m => m.Type).ToArray() },
                new() { Value = messages.Select(m => m.Payload).ToArray() },
                new() { Value = messages.Select(m => JsonSerializer.Serialize(m.Headers)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        };
        if (dueColumn.Length > 0)
        {
            insert.Parameters.Add(new() { Value = messages.Select(m => m.DueAt!.Value).ToArray() });
        }

        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}
