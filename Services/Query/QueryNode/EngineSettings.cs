using System.Globalization;
using DuckDB.NET.Data;

namespace Platform.QueryNode;

/// <summary>
/// How far one tenant's engine may reach (and PostgreSQL's integer division, 7 / 2 = 3, for the dialect: GLOBAL, since each request has its own connection): no files beyond its own database (a fragment cannot read or attach any), at most
/// <see cref="MemoryLimit"/> of memory (it spills past that) and <see cref="Threads"/> threads. Each tenant's database
/// has its own limits, so a node's total is these times the tenants it has open.
/// </summary>
internal sealed record EngineSettings(string MemoryLimit, int Threads)
{
    /// <summary>Applies the limits to a database, then locks its configuration so that no later statement (a fragment's) can lift them.</summary>
    public void Apply(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SET enable_external_access = false;
            SET GLOBAL integer_division = true;
            SET memory_limit = '{MemoryLimit.Replace("'", "''", StringComparison.Ordinal)}';
            SET threads = {Threads.ToString(CultureInfo.InvariantCulture)};
            SET lock_configuration = true;
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>Throws the engine's error when it refuses these settings, on a scratch in-memory database.</summary>
    public void Check()
    {
        using var scratch = new DuckDBConnection("DataSource=:memory:");
        scratch.Open();
        Apply(scratch);
    }
}
