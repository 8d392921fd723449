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
    .WithHttpHealthCheck("/health");

var users = builder.AddProject<Projects.Users>("users")
    .WithReplicas(2)
    .WithReference(usersDb).WaitFor(usersDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(auth)
    .WithHttpHealthCheck("/health");
auth.WithReference(users);

var workspaces = builder.AddProject<Projects.Workspaces>("workspaces")
    .WithReplicas(2)
    .WithReference(workspacesDb).WaitFor(workspacesDb)
    .WithReference(cache).WaitFor(cache)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(kafka).WaitFor(kafka)
    .WithReference(auth)
    .WithHttpHealthCheck("/health");

builder.AddProject<Projects.Gateway>("gateway")
    .WithExternalHttpEndpoint(port: builder.Configuration.GetValue("GatewayPort", 8080))
    .WithReference(auth).WithReference(users).WithReference(workspaces)
    .WithReference(cache).WaitFor(cache)
    .WithHttpHealthCheck("/health");

builder.Build().Run();

/// <summary>Lets the test host find this graph: DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;().</summary>
public partial class Program;
