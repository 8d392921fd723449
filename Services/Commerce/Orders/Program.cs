using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;
using Platform.Orders;
using Platform.Postgres;
using Platform.Sagas;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("ordersdb");
builder.AddSagas();
builder.Services.AddSaga<CheckoutSaga>();
builder.Services.AddSingleton<OrderStore>();
builder.Services.AddSingleton<OrderOutcomes>();
builder.Services.AddHostedService(services => services.GetRequiredService<OrderOutcomes>());
builder.AddBus("messaging", "orders", bus => bus.AddSagaOrchestrator());
builder.AddOutboxRelay();

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), OrdersSchema.Migrations);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.MapOrderEndpoints();
app.MapSalesEndpoints();
app.Run();
