using Npgsql;

namespace Platform.Postgres;

/// <summary>
/// A transaction that can only see one tenant's rows: it switches to the non-owner role the row-level
/// security policies apply to and sets <c>app.tenant_id</c> for them. Handlers cannot forget the filter.
/// </summary>
public sealed class TenantTransaction : IAsyncDisposable
{
    /// <summary>The role tenant-scoped work runs as (<see cref="PostgresRoles.Tenant"/>); migrations grant it table access.</summary>
    public const string Role = PostgresRoles.Tenant;

    /// <summary>The setting the row-level security policies read the tenant from.</summary>
    public const string TenantSetting = "app.tenant_id";

    private TenantTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>SQL that puts a table under tenant isolation: RLS forced, keyed on its tenant_id column (of <paramref name="tenantType"/>).</summary>
    public static string IsolateTableSql(string table, string tenantType = "uuid") => $"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY {table}_tenant_isolation ON {table}
          USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::{tenantType})
          WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::{tenantType});
        GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {Role};
        """;

    public static async Task<TenantTransaction> BeginAsync(NpgsqlDataSource dataSource, Guid tenantId, CancellationToken cancellationToken = default)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await EnterAsync(connection, transaction, tenantId, cancellationToken);
            return new TenantTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Puts an open transaction under <paramref name="tenantId"/>'s isolation (the tenant role and its setting) until it ends.</summary>
    public static async Task EnterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid tenantId, CancellationToken cancellationToken = default)
    {
        await using var scope = new NpgsqlBatch(connection, transaction) { BatchCommands = { EnterCommand(tenantId) } };
        await scope.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One query under <paramref name="tenantId"/>'s isolation in one round trip: the isolation and the query go as one
    /// <see cref="NpgsqlBatch"/>, which PostgreSQL runs as one implicit transaction (the settings end with it). For reads
    /// on a hot path, where <see cref="BeginAsync"/>'s three round trips (begin and isolate, query, commit) would show.
    /// </summary>
    public static async Task<List<T>> ReadAsync<T>(NpgsqlDataSource dataSource, Guid tenantId, NpgsqlBatchCommand query, Func<NpgsqlDataReader, T> row, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { EnterCommand(tenantId), query } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken); // past the isolation's own row
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(row(reader));
        }

        return rows;
    }

    /// <summary>The statement that puts the transaction it runs in (an explicit one, or a batch's implicit one) under <paramref name="tenantId"/>'s isolation.</summary>
    private static NpgsqlBatchCommand EnterCommand(Guid tenantId) => new($"SELECT set_config('role', '{Role}', true), set_config('app.tenant_id', $1, true)")
    {
        Parameters = { new() { Value = tenantId.ToString() } },
    };

    public NpgsqlCommand Command(string sql, params object[] parameters) => Sql.Command(Connection, Transaction, sql, parameters);

    public Task CommitAsync(CancellationToken cancellationToken = default) => Transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
