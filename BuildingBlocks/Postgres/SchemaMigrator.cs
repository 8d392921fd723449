using Npgsql;

namespace Platform.Postgres;

/// <summary>
/// Applies a service's numbered migrations once each, in order, under an advisory lock so replicas
/// starting together do not race. A migration is plain SQL; the applied versions are recorded. Every time, first, the
/// platform's roles and the worker's grants in this database (<see cref="PostgresRoles"/>), then <paramref name="first"/>
/// under the same lock (a library's own schema, such as Marten's, that the migrations build on).
/// </summary>
public static class SchemaMigrator
{
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, IReadOnlyList<string> migrations, Func<Task>? first = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_xact_lock(7235011)", cancellationToken);
        await Execute(connection, PostgresRoles.CreateSql + PostgresRoles.WorkerGrantsSql, cancellationToken);
        await transaction.CommitAsync(cancellationToken); // visible to the connections of first
        await using var migrating = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_xact_lock(7235011)", cancellationToken);
        if (first is not null)
        {
            await first();
        }

        await Execute(connection, "CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())", cancellationToken);
        await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_migrations", connection);
        var applied = (int)(await current.ExecuteScalarAsync(cancellationToken))!;
        for (var version = applied + 1; version <= migrations.Count; version++)
        {
            await Execute(connection, migrations[version - 1], cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version) VALUES ($1)", connection) { Parameters = { new() { Value = version } } };
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await migrating.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// A migration statement may wait on locks (another service creating the shared roles) and runs while a whole graph
    /// boots on the same cores: it gets two minutes, not the data source's request-sized timeout (3 s), which failed
    /// services' starts when a graph of 30 processes booted on two cores.
    /// </summary>
    private const int StatementTimeoutSeconds = 120;

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = StatementTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
