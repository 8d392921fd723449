using Npgsql;

namespace Platform.Messaging.Inbox;

/// <summary>
/// The ids of messages a consumer has already applied. Recording the id in the same transaction as the effect makes
/// redelivery harmless: the second attempt finds the id and does nothing.
/// </summary>
public static class Inbox
{
    public const string Sql = """
        CREATE TABLE inbox_messages (
          consumer text NOT NULL,
          message_id uuid NOT NULL,
          processed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (consumer, message_id));
        """;

    /// <summary>True the first time (go ahead and apply the effect in this transaction); false for a duplicate.</summary>
    public static async Task<bool> TryRecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string consumer, Guid messageId, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO inbox_messages (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", connection, transaction)
        {
            Parameters = { new() { Value = consumer }, new() { Value = messageId } },
        };
        return await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
