using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNpgsqlDataSource("workspacesdb");
builder.AddRedisClient("cache");

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.MapDefaultEndpoints();

// Placeholder: the event-sourced workspaces issue replaces this with the real API.
app.MapGet("/api/workspaces", () => Results.Ok(Array.Empty<object>())).RequireAuthorization();
app.Run();
