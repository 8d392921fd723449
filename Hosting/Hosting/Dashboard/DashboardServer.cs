using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Dashboard.Otlp;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting.Dashboard;

/// <summary>
/// The local dashboard the host serves (loopback only): resources with their state, endpoints and commands, live
/// console logs, and the services' telemetry received over OTLP (traces, structured logs, metrics). The browser signs
/// in once with the one-time token of the printed login link; the OTLP routes take no token (services post to them).
/// </summary>
public sealed partial class DashboardServer : IAsyncDisposable
{
    private const string SessionCookie = "platform-dashboard";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, bool> _sessions = new();
    private readonly Lock _gate = new();
    private string? _loginToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>A bearer token for the command line (<c>./platform health|inspect</c>), left in a file only the user can read.</summary>
    public string ApiToken { get; } = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private DashboardServer(WebApplication app, string url, TelemetryStore telemetry)
    {
        _app = app;
        Url = url;
        Telemetry = telemetry;
    }

    public string Url { get; }

    public TelemetryStore Telemetry { get; }

    /// <summary>The link that signs a browser in (the token works once), or null once it has been used.</summary>
    public string? LoginUrl => _loginToken is { } token ? $"{Url}/login?t={token}" : null;

    internal static async Task<DashboardServer> StartAsync(DistributedApplication platform, int port, CancellationToken cancellationToken)
    {
        var app = LoopbackWebApplication.Create(port, OtlpReceiver.MaxBodyBytes);
        var server = new DashboardServer(app, app.Url(), new TelemetryStore());
        server.Map(platform);
        await app.StartAsync(cancellationToken);
        return server;
    }

    private void Map(DistributedApplication platform)
    {
        _app.MapOtlpReceiver(Telemetry);
        _app.MapGet("/login", (string? t, HttpContext http) =>
        {
            if (!TakeLoginToken(t))
            {
                return Results.Problem(statusCode: 401, title: "Login link used or wrong", detail: "Open the login link the host printed at start; each link works once.");
            }

            var session = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            _sessions[session] = true;
            http.Response.Cookies.Append(SessionCookie, session, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            return Results.Redirect("/");
        });

        var ui = _app.MapGroup("").AddEndpointFilter(async (context, next) =>
            (context.HttpContext.Request.Cookies.TryGetValue(SessionCookie, out var session) && _sessions.ContainsKey(session!))
            || context.HttpContext.Request.Headers.Authorization.ToString() == $"Bearer {ApiToken}"
                ? await next(context)
                : Results.Problem(statusCode: 401, title: "Sign in first", detail: "Open the login link the host printed at start."));
        ui.MapGet("/", () => Results.Content(DashboardPage.Html, "text/html; charset=utf-8"));
        ui.MapGet("/api/resources", () => platform.Instances.Select(Describe));
        ui.MapGet("/api/health.txt", () => Results.Text(string.Join('\n', platform.Instances.Select(i => $"{i.Name,-14} {i.State.ToString().ToLowerInvariant()}")) + "\n"));
        ui.MapGet("/api/inspect.txt", async () => Results.Text(await InspectAsync(platform)));
        ui.MapPost("/api/resources/{name}/{command}", async (string name, string command) =>
        {
            if (platform.GetInstances(name).Count == 0)
            {
                return Results.Problem(statusCode: 404, title: "No such resource", detail: name);
            }

            Func<string, Task>? run = command switch
            {
                "stop" => platform.Commands.StopAsync,
                "start" => n => platform.Commands.StartAsync(n),
                "restart" => n => platform.Commands.RestartAsync(n),
                "kill" => platform.Commands.KillAsync,
                "pause" => platform.Commands.PauseAsync,
                "resume" => platform.Commands.ResumeAsync,
                _ => null,
            };
            if (run is null)
            {
                return Results.Problem(statusCode: 400, title: "Unknown command", detail: "stop, start, restart, kill, pause or resume");
            }

            _ = Task.Run(() => run(name)); // the page follows the state changes
            return Results.Accepted();
        });
        ui.MapGet("/api/resources/{name}/console", async (string name, HttpContext http) =>
        {
            var instance = platform.GetInstances(name).FirstOrDefault(i => i.Name == name);
            if (instance is null)
            {
                http.Response.StatusCode = 404;
                return;
            }

            await StreamConsoleAsync(instance, http);
        });
        ui.MapGet("/api/traces", (string? service, string? search, int? limit) => Telemetry.Traces(service, search, Math.Clamp(limit ?? 100, 1, 1000)));
        ui.MapGet("/api/traces/{traceId}", (string traceId) => Telemetry.Trace(traceId));
        ui.MapGet("/api/logs", (string? service, string? level, string? text, string? traceId, string? correlationId, int? limit)
            => Telemetry.Logs(service, level, text, traceId, correlationId, Math.Clamp(limit ?? 200, 1, 2000)));
        ui.MapGet("/api/metrics", (string? service, string? name, string? key) => Telemetry.Metrics(service, name, key));
        ui.MapGet("/api/metrics/catalog", () => Telemetry.Catalog().Select(s => new { s.Key, s.Service, s.Instance, s.Name, s.Unit, s.Kind, s.Attributes }));
        ui.MapGet("/api/metrics/routes", () => MetricCharts.Routes(Telemetry.Metrics(null, MetricCharts.RequestDuration)));
        ui.MapGet("/api/metrics/requests", (string? service, string? route) => MetricCharts.Requests(Telemetry.Metrics(service, MetricCharts.RequestDuration), service, route));
        ui.MapGet("/api/metrics/runtime", (string? service) => MetricCharts.Runtime(Telemetry.Metrics(service, null), service));
        ui.MapGet("/api/resources/{name}/environment", (string name) =>
            platform.GetInstances(name).FirstOrDefault(i => i.Name == name) is { } instance
                ? Results.Ok(Environment(instance))
                : Results.Problem(statusCode: 404, title: "No such resource", detail: name));
        Chaos.EdgeFaultEndpoints.MapEdgeFaults(ui.MapGroup("/api/chaos"), platform);
    }

    private bool TakeLoginToken(string? token)
    {
        lock (_gate)
        {
            if (token is null || _loginToken is null
                || !CryptographicOperations.FixedTimeEquals(System.Text.Encoding.ASCII.GetBytes(token), System.Text.Encoding.ASCII.GetBytes(_loginToken)))
            {
                return false;
            }

            _loginToken = null;
            return true;
        }
    }

    // Server-sent events: the last 500 lines, then each new line as it is written, until the browser leaves.
    private static async Task StreamConsoleAsync(ResourceInstance instance, HttpContext http)
    {
        http.Response.ContentType = "text/event-stream";
        var lines = System.Threading.Channels.Channel.CreateBounded<string>(new System.Threading.Channels.BoundedChannelOptions(10_000) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest });
        void OnLine(string line) => lines.Writer.TryWrite(line);
        instance.Logs.LineWritten += OnLine;
        try
        {
            foreach (var line in instance.Logs.Tail(500))
            {
                await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(line, Json)}\n\n", http.RequestAborted);
            }

            await http.Response.Body.FlushAsync(http.RequestAborted);
            await foreach (var line in lines.Reader.ReadAllAsync(http.RequestAborted))
            {
                await http.Response.WriteAsync($"data: {JsonSerializer.Serialize(line, Json)}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // the browser went away
        }
        finally
        {
            instance.Logs.LineWritten -= OnLine;
        }
    }

    /// <summary>The resolved graph: each resource, its endpoints, references and connection string (passwords masked).</summary>
    private static async Task<string> InspectAsync(DistributedApplication platform)
    {
        var text = new System.Text.StringBuilder();
        foreach (var resource in platform.Resources)
        {
            text.Append(resource.Name).Append(" (").Append(resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal)).AppendLine(")");
            foreach (var instance in platform.GetInstances(resource.Name))
            {
                text.Append("  ").Append(instance.Name).Append(": ").Append(instance.State.ToString().ToLowerInvariant())
                    .Append(' ').AppendLine(string.Join(" ", Endpoints(instance)));
            }

            if (resource is IResourceWithConnectionString withConnection)
            {
                text.Append("  connection string: ").AppendLine(Mask(await withConnection.GetConnectionStringAsync()));
            }
        }

        return text.ToString();
    }

    /// <summary>The environment the instance's process was started with; secrets (by name, or passwords inside a value) masked.</summary>
    private static IEnumerable<object> Environment(ResourceInstance instance)
        => (instance.Spec?.Environment ?? new Dictionary<string, string>())
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => new { name = e.Key, value = SecretName().IsMatch(e.Key) ? "***" : Mask(e.Value) });

    [System.Text.RegularExpressions.GeneratedRegex("(?i)password|secret|token|cookie|key$|_key_|signing")]
    private static partial System.Text.RegularExpressions.Regex SecretName();

    private static string Mask(string connectionString)
        => System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(connectionString, "(?i)(password=)[^;]*", "$1***"),
            "(://[^:/@]+:)[^@]*@", "$1***@");

    private static List<string> Endpoints(ResourceInstance instance)
        => instance.Resource.AnnotationsOf<EndpointAnnotation>()
            .Where(e => e.AllocatedPorts.Count > instance.Replica)
            .Select(e => e.UrlFor(instance.Replica))
            .ToList();

    private static object Describe(ResourceInstance instance)
    {
        var endpoints = Endpoints(instance);
        return new
        {
            instance.Name,
            resource = instance.Resource.Name,
            type = instance.Resource.GetType().Name.Replace("Resource", "", StringComparison.Ordinal),
            instance.Replica,
            replicas = instance.Resource.ReplicaCount(),
            state = instance.State.ToString().ToLowerInvariant(),
            instance.Pid,
            instance.ExitCode,
            endpoints,
            log = instance.Logs.FilePath,
        };
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
