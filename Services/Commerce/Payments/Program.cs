using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;
using Platform.Payments;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("paymentsdb");
builder.Services.AddSingleton(Random.Shared);
builder.Services.AddSingleton<SimulatedProcessor>();
builder.AddSagas();
builder.Services.AddSagaStep<AuthorizePaymentStep>();
builder.Services.AddSagaStep<CapturePaymentStep>();
builder.AddBus("messaging", "payments", bus => bus.AddSagaSteps());
builder.AddOutboxRelay();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), PaymentsSchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.Run();
