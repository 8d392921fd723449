using Npgsql;
using Platform.Pricing;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("pricingdb");

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), PricingSchema.Migrations);

app.MapDefaultEndpoints();
app.MapPriceEndpoints();
app.Run();
