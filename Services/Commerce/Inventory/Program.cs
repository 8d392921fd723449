using Npgsql;
using Platform.Inventory;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("inventorydb");

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), InventorySchema.Migrations);

app.MapDefaultEndpoints();
app.MapStockEndpoints();
app.Run();
