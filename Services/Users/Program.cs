using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Kafka;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;
using Platform.Users;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("usersdb", workerRole: PostgresRoles.Worker);
builder.AddPlatformRedis("cache");
builder.AddKafkaClient("kafka");
builder.Services.AddHostedService<MyWorkspacesConsumer>();
builder.AddSagas();
builder.Services.AddSagaStep<ProfileStep>();
builder.AddBus("messaging", "users", bus => bus.AddSagaSteps());
builder.AddOutboxRelay();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), UsersSchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.MapProfileEndpoints();
app.MapMyWorkspacesEndpoints();
app.Run();
