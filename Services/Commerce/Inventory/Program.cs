using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Inventory;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("inventorydb");
builder.AddSagas();
builder.Services.AddSagaStep<ReserveStockStep>();
builder.AddBus("messaging", "inventory", bus => bus.AddSagaSteps());
builder.AddOutboxRelay();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), InventorySchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.MapCascadeProbe();
app.MapStockEndpoints();
app.Run();
