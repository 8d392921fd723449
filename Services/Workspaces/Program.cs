using Marten;
using Npgsql;
using Platform.Caching;
using Platform.EventStore;
using Platform.Messaging.Kafka;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;
using Platform.Workspaces;
using Platform.Workspaces.Api;
using Platform.Workspaces.Domain;
using Platform.Workspaces.Provisioning;
using Platform.Workspaces.ReadModels;
using Platform.Workspaces.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("workspacesdb", workerRole: PostgresRoles.Worker);
builder.AddPlatformRedis("cache");
builder.AddKafkaClient("kafka");

builder.AddPlatformEventStore("workspacesdb", WorkspaceStore.Configure);
builder.AddSagas();
builder.Services.AddSaga<WorkspaceProvisioningSaga>();
builder.Services.AddSagaStep<RegistrationWorkspaceStep>();
builder.Services.AddSagaStep<ProvisioningWorkspaceStep>();
builder.Services.AddSagaStep<TablesStep>();
builder.Services.AddSagaStep<RecordsStep>();
builder.Services.AddSagaStep<MembersStep>();
builder.Services.AddSingleton<ProvisioningEndpoints>();
builder.AddBus("messaging", "workspaces", bus =>
{
    bus.AddSagaOrchestrator();
    bus.AddSagaSteps();
});
builder.AddOutboxRelay();
builder.Services.AddMemoryCache();
builder.Services.AddSingleton(new TwoLevelCacheOptions());
builder.Services.AddSingleton<TwoLevelCache>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TwoLevelCache>());
builder.Services.AddSingleton<WorkspaceWriter>();
builder.Services.AddSingleton<WorkspaceReader>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddTransient<WorkspaceEndpoints.Command>();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), WorkspacesSchema.Migrations,
    first: () => MartenEventStore.ApplySchemaAsync(app.Services.GetRequiredService<IDocumentStore>()));

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.MapWorkspaceEndpoints();
app.MapOperatorEndpoints();
app.Run();
