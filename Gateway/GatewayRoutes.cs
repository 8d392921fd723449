using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Platform.Gateway;

/// <summary>
/// Every route of the platform in one place. Clusters are the services the AppHost references, each with one destination
/// <c>http://{name}</c> that service discovery expands into the addresses the AppHost injected (services__{name}__http__N).
/// Several addresses (one per replica) are health-checked actively and passively. A single destination is a load-balancing proxy in front of the replicas (DCP's
/// locally, a platform's service elsewhere) that takes a dead replica out itself, so the gateway only retries broken
/// GETs through it; with no replica left, DCP's proxy holds the connection and the route budget answers (504).
/// </summary>
internal static class GatewayRoutes
{
    public const string RateLimitPolicy = "per-client";

    /// <summary>(route id, path pattern, cluster, requires a user token)</summary>
    private static readonly (string Id, string Path, string Cluster, bool Protected)[] Routes =
    [
        ("auth", "/api/auth/{**rest}", "auth", false),
        ("jwks", "/.well-known/jwks.json", "auth", false),
        ("users", "/api/users/{**rest}", "users", true),
        ("workspaces", "/api/workspaces/{**rest}", "workspaces", true),
        ("products", "/api/v1/products/{**rest}", "catalog", false),
        ("cascade", "/api/v1/health/cascade", "catalog", false),
        // Commerce's orders and reports services decide themselves: a user's token, or a guest where the deployment allows.
        ("orders", "/api/v1/orders/{**rest}", "orders", false),
        ("reports", "/api/v1/reports/{**rest}", "reports", false),
        ("storage", "/api/storage/{**rest}", "storage", true),
        ("query", "/api/query/{**rest}", "query", true),
    ];

    /// <summary>Routes whose request bodies may be larger than the platform's 64 KiB: object storage takes files of up to 10 GiB.</summary>
    private static readonly (string Prefix, long MaxBytes)[] LargeBodies = [("/api/storage", 10L << 30), ("/api/query/tables", 256L << 20)];

    /// <summary>
    /// Services that may take longer than the route budget by design: a checkout waits up to 8 s for its saga before it
    /// answers 202 (the first one after a boot, with five services still compiling their paths, takes about 4 s here).
    /// A file upload or download is as long as its bytes take; the budget is the time without a byte moving, and storage
    /// answers a finished upload once both copies of its last chunk are on disk. A SQL query may be given up to 300 s
    /// (the query service's cap on <c>timeoutMs</c>), answering its own 504 then: the route waits 10 s longer.
    /// </summary>
    private static readonly Dictionary<string, TimeSpan> LongerBudgets = new() { ["orders"] = TimeSpan.FromSeconds(10), ["storage"] = TimeSpan.FromSeconds(30), ["query"] = TimeSpan.FromSeconds(310) };

    /// <summary>The largest request body a path may send (64 KiB but on the routes of <see cref="LargeBodies"/>).</summary>
    public static long MaxBodyBytes(PathString path)
    {
        foreach (var (prefix, maxBytes) in LargeBodies)
        {
            if (path.StartsWithSegments(prefix))
            {
                return maxBytes;
            }
        }

        return ServiceDefaults.ServiceDefaultsExtensions.MaxRequestBodyBytes;
    }

    /// <summary>The services the AppHost referenced (a graph started with some systems only has routes for those).</summary>
    public static IEnumerable<string> Clusters(IConfiguration configuration)
        => Routes.Select(r => r.Cluster).Distinct().Where(c => configuration.GetSection($"services:{c}").Exists());

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) Build(IConfiguration configuration, TimeSpan activeHealthInterval, TimeSpan routeBudget)
    {
        var present = Clusters(configuration).ToHashSet();
        var routes = Routes.Where(r => present.Contains(r.Cluster)).Select(r => new RouteConfig
        {
            RouteId = r.Id,
            ClusterId = r.Cluster,
            Match = new RouteMatch { Path = r.Path },
            AuthorizationPolicy = r.Protected ? "default" : "anonymous",
            RateLimiterPolicy = RateLimitPolicy,
        }).ToList();

        var clusters = present.Select(name => (name, replicas: configuration.GetSection($"services:{name}:http").GetChildren().Count())).Select(c => new ClusterConfig
        {
            ClusterId = c.name,
            LoadBalancingPolicy = "PowerOfTwoChoices",
            Destinations = new Dictionary<string, DestinationConfig> { [c.name] = new() { Address = $"http://{c.name}" } },
            HealthCheck = c.replicas < 2 ? null : new HealthCheckConfig
            {
                // Liveness, not readiness: a service whose cache is down still serves most requests.
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = activeHealthInterval,
                    Timeout = TimeSpan.FromSeconds(1),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = "/alive",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = TimeSpan.FromSeconds(5),
                },
            },
            // The route's time budget: an upstream that has not answered by then gets a 504 problem.
            HttpRequest = new Yarp.ReverseProxy.Forwarder.ForwarderRequestConfig { ActivityTimeout = LongerBudgets.GetValueOrDefault(c.name, routeBudget) },
        }).ToList();

        return (routes, clusters);
    }
}
