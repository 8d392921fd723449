using System.Collections.Concurrent;

namespace Platform.QueryNode;

/// <summary>
/// The tenants' databases on this node, one file each (<c>{tenantId:N}.duckdb</c>), opened on first use and kept. A request
/// reaches only the database of its token's tenant: isolation is by which file is opened.
/// </summary>
internal sealed class TenantDatabases : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Lazy<TenantDatabase>> open = new();
    private readonly string directory;
    private readonly EngineSettings engine;

    public TenantDatabases(string directory, EngineSettings engine)
    {
        Directory.CreateDirectory(directory);
        this.directory = directory;
        this.engine = engine;
    }

    public TenantDatabase For(Guid tenantId)
    {
        var database = open.GetOrAdd(tenantId, id => new Lazy<TenantDatabase>(() => TenantDatabase.Open(Path.Combine(directory, $"{id:N}.duckdb"), engine)));
        try
        {
            return database.Value;
        }
        catch
        {
            open.TryRemove(KeyValuePair.Create(tenantId, database)); // a failed open is tried again by the next request, not remembered
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var database in open.Values.Where(d => d.IsValueCreated))
        {
            database.Value.Dispose();
        }
    }
}
