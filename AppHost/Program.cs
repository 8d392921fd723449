using Microsoft.Extensions.Configuration;
using Platform.Hosting;
using Platform.Hosting.Kafka;
using Platform.Hosting.Postgres;
using Platform.Hosting.RabbitMQ;
using Platform.Hosting.Redis;

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var authDb = postgres.AddDatabase("authdb");
var usersDb = postgres.AddDatabase("usersdb");
var workspacesDb = postgres.AddDatabase("workspacesdb");
var cache = builder.AddRedis("cache");
var messaging = builder.AddRabbitMQ("messaging");
var kafka = builder.AddKafka("kafka").WithTopic("workspace-events", partitions: 6);

var auth = builder.AddProject<Projects.Auth>("auth")
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithSagaSettings(builder.Configuration)
    .WithHttpHealthCheck("/health");

var users = builder.AddProject<Projects.Users>("users")
    .WithReplicas(2)
    .WithReference(usersDb).WaitFor(usersDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(auth)
    .WithSagaSettings(builder.Configuration)
    .WithHttpHealthCheck("/health");

var workspaces = builder.AddProject<Projects.Workspaces>("workspaces")
    .WithReplicas(2)
    .WithReference(workspacesDb).WaitFor(workspacesDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(auth)
    .WithSagaSettings(builder.Configuration)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Gateway>("gateway")
    .WithExternalHttpEndpoint(port: builder.Configuration.GetValue("GatewayPort", 8080))
    .WithReference(auth).WithReference(users).WithReference(workspaces)
    .WithReference(cache).WaitFor(cache)
    .WithHttpHealthCheck("/health");

builder.Build().Run();

internal static class SagaSettings
{
    /// <summary>Passes the AppHost's <c>Sagas:*</c> settings (step timeout, test-only fault injection) on to a service.</summary>
    public static IResourceBuilder<ProjectResource> WithSagaSettings(this IResourceBuilder<ProjectResource> project, IConfiguration configuration)
    {
        foreach (var setting in configuration.GetSection("Sagas").GetChildren().Where(s => s.Value is not null))
        {
            project.WithEnvironment($"Sagas__{setting.Key}", setting.Value!);
        }

        return project;
    }
}

/// <summary>Lets the test host find this graph: DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;().</summary>
public partial class Program;
