using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;
using Platform.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("storagedb");
builder.Services.AddSingleton<ChunkServers>();
builder.Services.AddHostedService(services => services.GetRequiredService<ChunkServers>());
builder.Services.AddSingleton<ObjectStore>();
builder.Services.AddSingleton<ObjectWriter>();
builder.Services.AddHostedService<ChunkReaper>();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), StorageSchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapFileEndpoints();
app.Run();
