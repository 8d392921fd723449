using Microsoft.Extensions.Configuration;
using Platform.Hosting;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Postgres;

/// <summary>The AppHost's few shorthands, so Program.cs reads as the graph and nothing else.</summary>
internal static class GraphExtensions
{
    private static readonly string[] AllSystems = ["platform", "commerce", "storage", "query"];

    /// <summary>
    /// The systems to start (<c>--Systems=commerce</c>, comma-separated; every system when unset). Auth, the gateway and
    /// the servers they need always start: every system signs in through them.
    /// </summary>
    public static IReadOnlySet<string> Systems(this IConfiguration configuration)
    {
        var wanted = configuration["Systems"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? AllSystems;
        var unknown = wanted.Except(AllSystems, StringComparer.OrdinalIgnoreCase).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown system(s) {string.Join(", ", unknown)} in --Systems; the systems are {string.Join(", ", AllSystems)}.");
        }

        return wanted.ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The gateway's port: <c>--GatewayPort</c>; otherwise 8080, or none under the test host, which randomises ports so
    /// that graphs booted side by side do not collide (DCP then allocates one).
    /// </summary>
    public static int? GatewayPort(this IConfiguration configuration)
        => configuration.GetValue<int?>("GatewayPort") ?? (configuration.GetValue("DcpPublisher:RandomizePorts", false) ? null : 8080);

    /// <summary>A database of its own on the server, referenced by the service, which waits for it.</summary>
    public static IResourceBuilder<ProjectResource> WithDatabase(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString> server, string name)
    {
        var database = server.AddDatabase(name);
        return project.WithReference(database).WaitFor(database);
    }

    /// <summary>
    /// Guest access to commerce: orders and reports without a token, on unless <c>--Commerce:AllowGuests=false</c> (the
    /// seed's scripts send none). A deployment that wants signed-in customers only sets it false.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithGuests(this IResourceBuilder<ProjectResource> project, IConfiguration configuration)
        => project.WithEnvironment("Commerce__AllowGuests", configuration.GetValue("Commerce:AllowGuests", true) ? "true" : "false");

    /// <summary>
    /// A service that takes part in sagas over the bus: RabbitMQ (waited for), auth (whose keys guard its bus operator
    /// endpoints) and the <c>Sagas:*</c> settings.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBus(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString> messaging,
        IResourceBuilder<ProjectResource> auth, IConfiguration configuration)
        => project.WithReference(messaging).WaitFor(messaging).WithReference(auth).WithSettings(configuration, "Sagas");

    /// <summary>
    /// A chunk server of object storage: gRPC over h2c (so its health is asked over HTTP/2), its own data directory (in the
    /// run's folder locally, private to the user, where it outlives a restart of the server; a fixed path in the manifest)
    /// and its quota
    /// (<c>--Storage:ChunkQuotaBytes</c>, 8 GiB by default).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddChunkServer(this IDistributedApplicationBuilder builder, string name)
    {
        return builder.AddProject<Projects.ChunkServer>(name)
            .WithHttpEndpoint()
            .WithEnvironment("ChunkServer__DataDirectory", builder.DataDirectory(name, "/var/lib/platform/chunks")) // users' files
            .WithEnvironment("ChunkServer__QuotaBytes", builder.Configuration.GetValue("Storage:ChunkQuotaBytes", 8L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithHttp2HealthCheck("/health");
    }

    /// <summary>
    /// A resource's own data folder: a private folder of the run locally, a fixed path in a container (a deployment backs it
    /// with a volume; the manifest declares none).
    /// </summary>
    private static string DataDirectory(this IDistributedApplicationBuilder builder, string name, string inContainer)
        => builder.ExecutionContext.IsRunMode ? RunDirectory.Of(builder).CreatePrivateFolder(name) : inContainer;

    /// <summary>A tenant node of the SQL system: each tenant's partitions in an embedded columnar engine on its own disk.</summary>
    public static IResourceBuilder<ProjectResource> AddQueryNode(this IDistributedApplicationBuilder builder, string name)
    {
        return builder.AddProject<Projects.QueryNode>(name)
            .WithHttpEndpoint()
            .WithEnvironment("QueryNode__DataDirectory", builder.DataDirectory(name, "/var/lib/platform/query")) // tenants' rows
            .WithSettings(builder.Configuration, "QueryNode") // --QueryNode:MemoryLimit=, --QueryNode:Threads=
            .WithHttpHealthCheck("/health");
    }

    /// <summary>
    /// Passes the AppHost's settings of one section on to a service: <c>Sagas:*</c> (step timeout, test-only fault
    /// injection), <c>RateLimiting:*</c> (the gateway's limits, raised by the gateway benchmark), <c>Commerce:*</c> (the
    /// catalog's downstream budget, the checkout's budget), <c>Payments:*</c> (the simulated processor's latency and decline rate), <c>Reports:*</c> (the
    /// report worker's pace and lease).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSettings(this IResourceBuilder<ProjectResource> project, IConfiguration configuration, string section)
    {
        foreach (var setting in configuration.GetSection(section).GetChildren().Where(s => s.Value is not null))
        {
            project.WithEnvironment($"{section}__{setting.Key}", setting.Value!);
        }

        return project;
    }
}
