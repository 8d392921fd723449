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
}
