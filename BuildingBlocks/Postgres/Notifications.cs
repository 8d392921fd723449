using Npgsql;

namespace Platform.Postgres;

/// <summary>Postgres LISTEN/NOTIFY: the one way a background loop waits for a table's news instead of polling it.</summary>
public static class Notifications
{
    /// <summary>
    /// A connection of its own that listens on <paramref name="channel"/> (wait on it with <see cref="NpgsqlConnection.WaitAsync(TimeSpan, CancellationToken)"/>;
    /// its <see cref="NpgsqlConnection.Notification"/> event carries each payload). The caller disposes it.
    /// </summary>
    public static async Task<NpgsqlConnection> ListenAsync(NpgsqlDataSource db, string channel, CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
            await listen.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A migration's SQL for a trigger <c>{name}_notify</c> that sends an empty NOTIFY on <paramref name="channel"/>
    /// <paramref name="when"/> (for example <c>AFTER INSERT ON t FOR EACH STATEMENT</c>), so a loop can wait for the table's news.
    /// </summary>
    public static string TriggerSql(string name, string channel, string when) =>
        $"""
        CREATE FUNCTION {name}_notify() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$;
        CREATE TRIGGER {name}_notify {when} EXECUTE FUNCTION {name}_notify();
        """;

    /// <summary>
    /// Waits on a listening <paramref name="connection"/> for the next NOTIFY, or until the table's next row falls due:
    /// <paramref name="secondsUntilDueSql"/> answers how many seconds that is (negative when one is due but someone else
    /// holds it, null when no row waits), so a loop with nothing to do sleeps exactly as long as it can. At most
    /// <paramref name="ceiling"/> (the net under a notification missed while reconnecting), at least a quarter of a second.
    /// </summary>
    public static async Task WaitForNewsOrDueAsync(NpgsqlConnection connection, string secondsUntilDueSql, TimeSpan ceiling, CancellationToken cancellationToken)
    {
        await using var due = new NpgsqlCommand(secondsUntilDueSql, connection);
        var seconds = await due.ExecuteScalarAsync(cancellationToken) is double s ? s : (double?)null;
        var wait = seconds is { } until ? TimeSpan.FromSeconds(Math.Clamp(until, 0.25, ceiling.TotalSeconds)) : ceiling;
        await connection.WaitAsync(wait, cancellationToken);
    }
}
