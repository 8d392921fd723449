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

    /// <summary>For an inbox created before duplicates were counted.</summary>
    public const string DuplicatesSql = "ALTER TABLE inbox_messages ADD COLUMN IF NOT EXISTS duplicates int NOT NULL DEFAULT 0;";

    /// <summary>True the first time (go ahead and apply the effect in this transaction); false for a duplicate.</summary>
    public static async Task<bool> TryRecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, Guid messageId, CancellationToken cancellationToken)
    {
        await using var insert = Postgres.Sql.Command(connection, transaction, "INSERT INTO inbox_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", consumer, messageId);
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
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
