using Microsoft.Extensions.Configuration;
using Platform.Hosting;
using Platform.Hosting.Chaos;
using Platform.Hosting.Processes;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

var builder = DistributedApplication.CreateBuilder(args);
var systems = builder.Configuration.Systems(); // --Systems=platform,commerce starts only those (and what they need); all by default

// Containers where a runtime exists (and in the manifest); the same servers as local processes where none does.
var postgres = builder.AddPostgresServer("postgres");
var authDb = postgres.AddDatabase("authdb");
// --HighAvailability=true: Redis as a primary, two replicas and three Sentinels (Postgres and Kafka to follow, issue 17).
var cache = builder.Configuration.GetValue("HighAvailability", false) ? builder.AddRedisWithSentinels("cache") : builder.AddRedisServer("cache");
var messaging = builder.AddRabbitMQServer("messaging");

// Every system signs its users in through auth, and is reached through the gateway.
var auth = builder.AddProject<Projects.Auth>("auth")
    .WithHttpEndpoint()
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithSettings(builder.Configuration, "Sagas")
    .WithHttpHealthCheck("/health");

var gateway = builder.AddProject<Projects.Gateway>("gateway")
    .WithHttpEndpoint(port: builder.Configuration.GatewayPort(), isProxied: false) // the edge listens itself: no DCP proxy hop on every request
    .WithReference(auth)
    .WithReference(cache).WaitFor(cache)
    .WithSettings(builder.Configuration, "RateLimiting")
    .WithHttpHealthCheck("/health");

if (systems.Contains("platform")) // seed 001: users, workspaces with tables and records
{
    var usersDb = postgres.AddDatabase("usersdb");
    var workspacesDb = postgres.AddDatabase("workspacesdb");
    var kafka = builder.AddKafkaServer("kafka").WithTopic("workspace-events", partitions: 6);

    var users = builder.AddProject<Projects.Users>("users")
        .WithHttpEndpoint()
        .WithReplicas(2)
        .WithReference(usersDb).WaitFor(usersDb)
        .WithReference(cache).WaitFor(cache)
        .WithReference(messaging).WaitFor(messaging)
        .WithReference(kafka).WaitFor(kafka)
        .WithReference(auth)
        .WithSettings(builder.Configuration, "Sagas")
        .WithHttpHealthCheck("/health");

    var workspaces = builder.AddProject<Projects.Workspaces>("workspaces")
        .WithHttpEndpoint()
        .WithReplicas(2)
        .WithReference(workspacesDb).WaitFor(workspacesDb)
        .WithReference(cache).WaitFor(cache)
        .WithReference(messaging).WaitFor(messaging)
        .WithReference(kafka).WaitFor(kafka)
        .WithReference(auth)
        .WithSettings(builder.Configuration, "Sagas")
        .WithHttpHealthCheck("/health");

    gateway.WithReference(users).WithReference(workspaces);
}

if (systems.Contains("commerce")) // seed 002: products fanned out to inventory and pricing, checkout as a saga, report jobs
{
    var inventory = builder.AddProject<Projects.Inventory>("inventory")
        .WithHttpEndpoint()
        .WithReplicas(2)
        .WithDatabase(postgres, "inventorydb")
        .WithBus(messaging, auth, builder.Configuration)
        .WithHttpHealthCheck("/health");

    var pricing = builder.AddProject<Projects.Pricing>("pricing")
        .WithHttpEndpoint()
        .WithDatabase(postgres, "pricingdb")
        .WithBus(messaging, auth, builder.Configuration)
        .WithHttpHealthCheck("/health");

    var catalog = builder.AddProject<Projects.Catalog>("catalog")
        .WithHttpEndpoint()
        .WithDatabase(postgres, "catalogdb")
        .WithReference(inventory).WithReference(pricing)
        .WithSettings(builder.Configuration, "Commerce")
        .WithHttpHealthCheck("/health");

    builder.AddProject<Projects.Payments>("payments")
        .WithHttpEndpoint()
        .WithDatabase(postgres, "paymentsdb")
        .WithBus(messaging, auth, builder.Configuration)
        .WithSettings(builder.Configuration, "Payments")
        .WithHttpHealthCheck("/health");

    var orders = builder.AddProject<Projects.Orders>("orders")
        .WithHttpEndpoint()
        .WithDatabase(postgres, "ordersdb")
        .WithBus(messaging, auth, builder.Configuration)
        .WithGuests(builder.Configuration) // the seed's scripts order without a token
        .WithSettings(builder.Configuration, "Commerce")
        .WithHttpHealthCheck("/health");

    var reports = builder.AddProject<Projects.Reports>("reports")
        .WithHttpEndpoint()
        .WithDatabase(postgres, "reportsdb")
        .WithReference(catalog).WithReference(inventory).WithReference(orders).WithReference(auth)
        .WithGuests(builder.Configuration)
        .WithSettings(builder.Configuration, "Reports")
        .WithHttpHealthCheck("/health");

    gateway.WithReference(catalog).WithReference(orders).WithReference(reports);
}

if (systems.Contains("storage")) // seed 004: a storage gateway placing each chunk of a file on two of six gRPC chunk servers
{
    var storage = builder.AddProject<Projects.Storage>("storage")
        .WithHttpEndpoint()
        .WithHttpEndpoint(port: builder.Configuration.GetValue("S3Port", 9000), name: "s3", env: "S3_PORT") // the S3-compatible API, signed with SigV4
        .WithDatabase(postgres, "storagedb")
        .WithReference(auth)
        .WithSettings(builder.Configuration, "Storage")
        .WithHttpHealthCheck("/health");
    for (var i = 0; i < 6; i++)
    {
        var chunks = builder.AddChunkServer($"chunks-{i}");
        storage.WithReference(chunks).WaitFor(chunks);
    }

    gateway.WithReference(storage);
}

if (systems.Contains("query")) // seed 000: SQL over partitions spread on three tenant nodes, planned by a cost-based optimizer
{
    var queryCatalog = builder.AddProject<Projects.QueryCatalog>("query-catalog") // tables, placement, statistics: asked with the user's token
        .WithHttpEndpoint()
        .WithDatabase(postgres, "querydb")
        .WithReference(cache).WaitFor(cache)
        .WithReference(auth)
        .WithHttpHealthCheck("/health");
    var query = builder.AddProject<Projects.Query>("query")
        .WithHttpEndpoint()
        .WithEndpoint(port: builder.Configuration.GetValue("PgPort", 15432), name: "pg", scheme: "tcp", env: "PG_PORT") // the PostgreSQL wire protocol: psql, Npgsql, BI tools
        .WithReplicas(2)
        .WithReference(queryCatalog).WaitFor(queryCatalog)
        .WithReference(cache).WaitFor(cache)
        .WithReference(auth)
        .WithSettings(builder.Configuration, "Query")
        .WithHttpHealthCheck("/health");
    for (var i = 0; i < 3; i++)
    {
        var node = builder.AddQueryNode($"nodes-{i}").WithReference(auth).WithReference(cache).WaitFor(cache);
        query.WithReference(node).WaitFor(node);
    }

    gateway.WithReference(query);
}

builder.LaunchProjectsFromBuildOutput(); // not through dotnet run: one process per replica, a faster boot
builder.ExportTelemetryOnlyToTheDashboard(); // the test host has no dashboard: no OTLP to a port where nothing listens
builder.CheckHealthPromptly(); // re-check an unhealthy resource every 100 ms, not after Aspire's 1–5 s back-off
builder.AddFaultInjection(); // kill, pause and resume on every resource; with --EdgeProxies=true a fault proxy on every edge
builder.AnnounceWhenReady();
builder.Build().Run();
