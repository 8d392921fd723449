using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;
using Platform.Reports;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("reportsdb");
builder.Services.AddHttpClient<CatalogClient>(http => http.BaseAddress = new Uri("http://catalog"));
builder.Services.AddHttpClient<InventoryClient>(http => http.BaseAddress = new Uri("http://inventory"));
builder.Services.AddHttpClient<OrdersClient>(http => http.BaseAddress = new Uri("http://orders"));
builder.Services.AddSingleton<IReport, InventorySummaryReport>();
builder.Services.AddSingleton<IReport, SalesSummaryReport>();
builder.Services.AddSingleton<ReportJobs>();
builder.Services.AddHostedService<ReportWorker>();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), ReportsSchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapReportEndpoints();
app.Run();
