using Platform.QueryNode;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformRedis("cache"); // a revoked token is refused here too, not only by the operation node

var dataDirectory = builder.Configuration["QueryNode:DataDirectory"]
                    ?? throw new InvalidOperationException("QueryNode:DataDirectory is not set; the AppHost gives each query node its own.");
var engine = new EngineSettings(builder.Configuration["QueryNode:MemoryLimit"] ?? "1GB", builder.Configuration.GetValue("QueryNode:Threads", 2));
engine.Check(); // settings the engine refuses fail the node's start, not a tenant's first request
builder.Services.AddSingleton(_ => new TenantDatabases(dataDirectory, engine)); // made by the container, so disposed (and checkpointed) by it

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapIngestEndpoints();
app.MapFragmentEndpoints();
app.MapPartitionEndpoints();
app.Run();

internal partial class Program
{
    /// <summary>Ingest batches and broadcast inputs arrive as Arrow inside JSON: those two routes take up to 1 GiB, far above the platform's 64 KiB.</summary>
    public const long MaxBodyBytes = 1L << 30;
}
