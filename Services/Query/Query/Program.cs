using Platform.Query.Api;
using Platform.Query.Catalog;
using Platform.Query.Execution;
using Platform.Query.Wire;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformRedis("cache"); // revoked tokens are refused here as everywhere
builder.Services.AddSingleton<TenantNodes>();
builder.Services.AddSingleton<NodeClient>();
builder.Services.AddSingleton<LocalEngine>();
builder.Services.AddSingleton<Coordinator>();
builder.Services.AddSingleton<Ingestor>();
builder.Services.AddSingleton<TableDdl>();
builder.Services.AddSingleton<CatchUp>();
builder.Services.AddHostedService(services => services.GetRequiredService<CatchUp>());
builder.Services.AddSingleton<QueryAdmission>();
builder.Services.AddSingleton<StatementRunner>();
builder.Services.AddHttpClient<ScramRelay>(http => http.BaseAddress = new Uri("http://auth"));
builder.Services.AddSingleton<PgCancelKeys>();
builder.Services.AddHostedService<PgWireServer>();
builder.Services.AddHostedService<NodeHealthProbe>();
// Fragments run as long as the query's budget and fail over to the partition's other copy here, not by a generic retry.
#pragma warning disable EXTEXP0001 // removing the defaults' resilience handler is marked experimental; it is the documented way to opt one client out
builder.Services.AddHttpClient(NodeClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan).RemoveAllResilienceHandlers();
// Catalog calls are not retried either: a create or an ingest record sent twice is not the same as once (CatalogClient).
builder.Services.AddHttpClient<CatalogClient>(http =>
{
    http.BaseAddress = new Uri("http://query-catalog");
    http.Timeout = TimeSpan.FromSeconds(10);
}).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

var app = builder.Build();

app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapQueryEndpoints();
app.Run();
