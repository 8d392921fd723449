using Npgsql;
using Platform.Catalog;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("catalogdb");
builder.Services.AddHttpClient<InventoryClient>(http => http.BaseAddress = new Uri("http://inventory"));
builder.Services.AddHttpClient<PricingClient>(http => http.BaseAddress = new Uri("http://pricing"));
builder.Services.AddSingleton<PartBudget>();
builder.Services.AddHttpClient(CascadeEndpoints.InventoryClientName, http => http.BaseAddress = new Uri("http://inventory"));
builder.Services.AddHttpClient(CascadeEndpoints.PricingClientName, http => http.BaseAddress = new Uri("http://pricing"));

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), CatalogSchema.Migrations);

app.MapDefaultEndpoints();
app.MapProductEndpoints();
app.MapProductIdEndpoints();
app.MapCascadeEndpoints();
app.Run();
