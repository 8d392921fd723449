using DuckDB.NET.Data;

namespace Platform.Query.Execution;

/// <summary>
/// The operation node's own in-memory engine, where gathered rows land and the final step runs: one database for the
/// process (a private one per query cost ~20 ms to create, a connection to the shared one ~1 ms), a connection per
/// query, and each query's tables TEMP, so they are its connection's alone and go with it.
/// </summary>
public sealed class LocalEngine : IDisposable
{
    private const string Shared = "DataSource=:memory:?cache=shared";
    private readonly DuckDBConnection _keepAlive = new(Shared); // the database lives while one connection to it is open

    public LocalEngine(IConfiguration configuration)
    {
        _keepAlive.Open();
        using var settings = _keepAlive.CreateCommand();
        settings.CommandText = $"SET threads = {configuration.GetValue("Query:Threads", 2)}; SET memory_limit = '{configuration.GetValue("Query:MemoryLimit", "1GB")}'";
        settings.ExecuteNonQuery();
    }

    public async Task<DuckDBConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new DuckDBConnection(Shared);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var dialect = connection.CreateCommand();
            dialect.CommandText = "SET integer_division = true"; // PostgreSQL's 7 / 2 = 3
            await dialect.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose() => _keepAlive.Dispose();
}
