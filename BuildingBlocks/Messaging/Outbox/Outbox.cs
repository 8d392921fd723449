using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Platform.Messaging.Outbox;

/// <summary>Writes messages into the outbox inside the caller's transaction: they exist exactly when that transaction commits.</summary>
public static class Outbox
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }

        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO outbox_messages (id, topic, key, type, payload, headers)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::jsonb[])
            """, connection, transaction)
        {
            Parameters =
            {
                new() { Value = messages.Select(m => m.Id).ToArray() },
                new() { Value = messages.Select(m => m.Topic).ToArray() },
                new() { Value = messages.Select(m => m.Key).ToArray() },
                new() { Value = messages.Select(m => m.Type).ToArray() },
                new() { Value = messages.Select(m => m.Payload).ToArray() },
                new() { Value = messages.Select(m => JsonSerializer.Serialize(m.Headers)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        };
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}
