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
// Setting the addresses replaces the ones Kestrel was given (ASPNETCORE_URLS under `dotnet run` and DCP, HTTP_PORTS in
// a container), so those are kept and the S3 port added beside them, on the same interfaces.
var s3Port = builder.Configuration.GetValue<int?>("S3_PORT");
if (s3Port is { } port)
{
    var urls = builder.Configuration["urls"];
    string[] given = string.IsNullOrEmpty(urls)
        ? [.. (builder.Configuration["HTTP_PORTS"] ?? "8080").Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => $"http://*:{p}")]
        : urls.Split(';', StringSplitOptions.RemoveEmptyEntries);
    builder.WebHost.UseUrls([.. given, $"http://{(string.IsNullOrEmpty(urls) ? "*" : "localhost")}:{port}"]);
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
