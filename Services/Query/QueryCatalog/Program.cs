using Npgsql;
using Platform.Postgres;
using Platform.QueryCatalog;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("querydb");
builder.AddPlatformRedis("cache"); // a revoked token is refused here too
builder.Services.AddSingleton<MetadataCatalog>();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), QuerySchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapCatalogEndpoints();
app.Run();
