using DuckDB.NET.Data;

namespace Platform.QueryNode;

/// <summary>
/// One tenant's database file, open for the node's lifetime. Connections to the same file share one engine instance in
/// the process; a request takes a connection of its own (the temporary tables of broadcast inputs are per connection), and writes take
/// turns, since two transactions creating the same partition would conflict. It knows its tables as of the last write,
/// so a fragment needs no look into the engine's catalog to find the partitions it reads.
/// </summary>
internal sealed class TenantDatabase : IDisposable
{
    private readonly string connectionString;
    private readonly DuckDBConnection keeper; // the engine closes a file, and forgets its settings, when its last connection closes
    private readonly SemaphoreSlim writes = new(1, 1);
    private volatile HashSet<string> tables;

    private TenantDatabase(string connectionString, DuckDBConnection keeper)
    {
        this.connectionString = connectionString;
        this.keeper = keeper;
        tables = PartitionTables.Existing(keeper);
    }

    /// <summary>The database's tables (partitions and the ledger) as of the last write; not to be changed.</summary>
    public IReadOnlySet<string> Tables => tables;

    public static TenantDatabase Open(string path, EngineSettings engine)
    {
        var connectionString = new DuckDBConnectionStringBuilder { DataSource = path }.ToString();
        var keeper = new DuckDBConnection(connectionString);
        try
        {
            keeper.Open();
            using (var ledger = keeper.CreateCommand())
            {
                ledger.CommandText = PartitionTables.CreateLedger;
                ledger.ExecuteNonQuery();
            }

            engine.Apply(keeper);
            return new TenantDatabase(connectionString, keeper);
        }
        catch
        {
            keeper.Dispose();
            throw;
        }
    }

    /// <summary>A new connection to the database, for one request; the caller disposes it.</summary>
    public DuckDBConnection Connect()
    {
        var connection = new DuckDBConnection(connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="write"/> on a connection of its own while no other write of this tenant runs.</summary>
    public async Task<T> WriteAsync<T>(Func<DuckDBConnection, Task<T>> write, CancellationToken ct)
    {
        await writes.WaitAsync(ct);
        try
        {
            await using var connection = Connect();
            try
            {
                return await write(connection);
            }
            finally
            {
                tables = PartitionTables.Existing(connection); // a partition made or dropped is seen by the next fragment
            }
        }
        finally
        {
            writes.Release();
        }
    }

    public void Dispose()
    {
        keeper.Dispose();
        writes.Dispose();
    }
}
