using Microsoft.Extensions.Configuration;
using Platform.Hosting;
using Platform.Hosting.Chaos;
using Platform.Hosting.Processes;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

var builder = DistributedApplication.CreateBuilder(args);

// Containers where a runtime exists (and in the manifest); the same servers as local processes where none does.
var postgres = builder.AddPostgresServer("postgres");
var authDb = postgres.AddDatabase("authdb");
var usersDb = postgres.AddDatabase("usersdb");
var workspacesDb = postgres.AddDatabase("workspacesdb");
var cache = builder.AddRedisServer("cache");
var messaging = builder.AddRabbitMQServer("messaging");
var kafka = builder.AddKafkaServer("kafka").WithTopic("workspace-events", partitions: 6);

var auth = builder.AddProject<Projects.Auth>("auth")
    .WithHttpEndpoint()
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithSettings(builder.Configuration, "Sagas")
    .WithHttpHealthCheck("/health");

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

builder.AddProject<Projects.Gateway>("gateway")
    .WithHttpEndpoint(port: builder.Configuration.GetValue("GatewayPort", 8080))
    .WithReference(auth).WithReference(users).WithReference(workspaces)
    .WithReference(cache).WaitFor(cache)
    .WithSettings(builder.Configuration, "RateLimiting")
    .WithHttpHealthCheck("/health");

builder.LaunchProjectsFromBuildOutput(); // not through dotnet run: one process per replica, a faster boot
builder.CheckHealthPromptly(); // re-check an unhealthy resource every 100 ms, not after Aspire's 1–5 s back-off
builder.AddFaultInjection(); // kill, pause and resume on every resource; with --EdgeProxies=true a fault proxy on every edge
builder.AnnounceWhenReady();
builder.Build().Run();

internal static class SettingsPassThrough
{
    /// <summary>
    /// Passes the AppHost's settings of one section on to a service: <c>Sagas:*</c> (step timeout, test-only fault
    /// injection), <c>RateLimiting:*</c> (the gateway's limits, raised by the gateway benchmark).
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
