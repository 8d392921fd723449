using Npgsql;
using Platform.Postgres;

namespace Platform.Messaging.Inbox;

/// <summary>
/// The ids of messages a consumer has already applied. Recording the id in the same transaction as the effect makes
/// redelivery harmless: the second attempt finds the id and does nothing. Each duplicate absorbed is counted on the
/// message's row, so operators (and tests) can see redeliveries doing nothing.
/// </summary>
public static class Inbox
{
    public const string Sql = """
        CREATE TABLE inbox_messages (
          consumer text NOT NULL,
          message_id uuid NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          duplicates int NOT NULL DEFAULT 0,
          PRIMARY KEY (consumer, message_id));
        """;

    /// <summary>Messages a consumer could never apply (see InboxConsumer), with the reason, for an operator to look at.</summary>
    public const string DeadLettersSql = """
        CREATE TABLE inbox_dead_letters (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          consumer text NOT NULL,
          message_id uuid,
          topic text NOT NULL,
          partition int NOT NULL,
          "offset" bigint NOT NULL,
          key text,
          type text NOT NULL,
          payload bytea,
          reason text NOT NULL,
          failed_at timestamptz NOT NULL DEFAULT now());
        """;

    /// <summary>For an inbox created before duplicates were counted.</summary>
    public const string DuplicatesSql = "ALTER TABLE inbox_messages ADD COLUMN IF NOT EXISTS duplicates int NOT NULL DEFAULT 0;";

    /// <summary>True the first time (go ahead and apply the effect in this transaction); false for a duplicate.</summary>
    public static async Task<bool> TryRecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, Guid messageId, CancellationToken cancellationToken)
    {
        await using var insert = Postgres.Sql.Command(connection, transaction, "INSERT INTO inbox_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", consumer, messageId);
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Parks a message as a dead letter and, when it has an id, records it as handled (a redelivery is a no-op).</summary>
    public static async Task ParkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, Guid? messageId, string topic, Kafka.ConsumedMessage message, string reason, CancellationToken cancellationToken)
    {
        await using var park = Postgres.Sql.Command(connection, transaction,
            "INSERT INTO inbox_dead_letters (consumer, message_id, topic, partition, \"offset\", key, type, payload, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            consumer, (object?)messageId ?? DBNull.Value, topic, message.Partition, message.Offset, (object?)message.Key ?? DBNull.Value, message.Type, message.Body, reason);
        await park.ExecuteNonQueryAsync(cancellationToken);
        if (messageId is { } id)
        {
            await TryRecordAsync(connection, transaction, consumer, id, cancellationToken);
        }
    }

    /// <summary>Counts a duplicate the consumer absorbed (in its own statement: the consumer's transaction did nothing).</summary>
    public static async Task CountDuplicateAsync(NpgsqlDataSource db, string consumer, Guid messageId, CancellationToken cancellationToken)
    {
        await using var update = db.CreateCommand("UPDATE inbox_messages SET duplicates = duplicates + 1 WHERE consumer = $1 AND message_id = $2");
        update.Parameters.Add(new() { Value = consumer });
        update.Parameters.Add(new() { Value = messageId });
        await update.ExecuteNonQueryAsync(cancellationToken);
        MessagingTelemetry.Duplicates.Add(1);
    }
}
