using Microsoft.AspNetCore.Authentication.JwtBearer;
using Npgsql;
using Platform.Auth;
using Platform.Auth.Accounts;
using Platform.Auth.Registration;
using Platform.Auth.Tokens;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;
using Platform.Sagas;
using Platform.Postgres;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformDatabase("authdb");
builder.AddPlatformRedis("cache");

builder.Services.AddSingleton<SigningKeys>();
builder.Services.AddSingleton<TokenService>();
builder.Services.AddSingleton<AccountStore>();
builder.Services.AddSingleton<PasswordHashing>();
builder.Services.AddSingleton<SecretVault>();
builder.Services.AddSingleton<LoginThrottle>();
builder.Services.AddSingleton<ScramExchanges>();
builder.Services.AddScoped<RegistrationService>();
builder.AddSagas();
builder.Services.AddSaga<RegistrationSaga>();
builder.Services.AddSagaStep<AccountStep>();
builder.AddBus("messaging", "auth", bus =>
{
    bus.AddSagaOrchestrator();
    bus.AddSagaSteps();
});
builder.AddOutboxRelay();

// The auth service checks its own tokens (logout) against the keys it holds, not over HTTP.
builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
    .PostConfigure<SigningKeys>((options, keys) => options.ConfigurationManager = new LocalSigningKeys(keys));

var app = builder.Build();
await SchemaMigrator.MigrateAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), AuthSchema.Migrations);
await app.Services.GetRequiredService<SigningKeys>().LoadAsync(CancellationToken.None);
await app.Services.GetRequiredService<SecretVault>().LoadAsync(CancellationToken.None);

app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();
app.MapBusOperatorEndpoints();
app.MapAuthEndpoints();
app.Run();
