using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;
using Platform.Storage;
using Platform.Storage.S3;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("storagedb", workerRole: PostgresRoles.Worker); // the worker: the repair, across tenants
builder.Services.AddSingleton<ChunkServers>();
builder.Services.AddHostedService(services => services.GetRequiredService<ChunkServers>());
builder.Services.AddSingleton<ObjectStore>();
builder.Services.AddSingleton<ObjectWriter>();
builder.Services.AddHostedService<ChunkReaper>();
builder.Services.AddHostedService<ChunkRepair>();
builder.Services.AddSingleton<SecretVault>();
builder.Services.AddSingleton<AccessKeys>();
builder.Services.AddSingleton<S3Authenticator>();
builder.Services.AddSingleton<Buckets>();
builder.Services.AddSingleton<MultipartUploads>();
builder.Services.AddSingleton<S3Api>();

// The S3 endpoint is a port of its own (the AppHost's "s3", given as S3_PORT): SigV4 instead of tokens, S3's XML
// instead of problem+json, and not behind the gateway, since a signature covers the host and the raw path.
var s3Port = builder.Configuration.GetValue<int?>("S3_PORT");
if (s3Port is { } port)
{
    builder.WebHost.UseUrls([.. (builder.Configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries), $"http://localhost:{port}"]);
}

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), StorageSchema.Migrations);
await app.Services.GetRequiredService<SecretVault>().LoadAsync(CancellationToken.None);

var s3 = app.Services.GetRequiredService<S3Api>();
app.MapWhen(context => context.Connection.LocalPort == s3Port, branch => branch.Run(s3.HandleAsync));
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapFileEndpoints();
app.MapAccessKeyEndpoints();
app.Run();
