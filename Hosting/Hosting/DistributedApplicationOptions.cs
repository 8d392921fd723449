namespace Platform.Hosting;

public sealed class DistributedApplicationOptions
{
    /// <summary>Used in the "ready" line the host prints.</summary>
    public string ApplicationName { get; set; } = "Platform";

    /// <summary>The host's own console log level (resource health changes are Information).</summary>
    public Microsoft.Extensions.Logging.LogLevel HostLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Root under which each run gets a private directory (data, sockets). Must be reachable by the postgres OS user.</summary>
    public string RunRoot { get; set; } = Path.Combine(Path.GetTempPath(), "platform");

    /// <summary>Where resource logs are written; a folder per run. Kept after the run so a failure can be read.</summary>
    public string? LogRoot { get; set; }

    /// <summary>Replace fixed ports with free ones (the test host sets this so graphs can run side by side).</summary>
    public bool RandomizePorts { get; set; }

    /// <summary>How long a resource may take from launch to healthy before the whole start fails.</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a graceful stop may take before the process group is killed.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>"local" (child processes) or "container" (docker run); default: local unless PLATFORM_RUNNER says otherwise.</summary>
    public string Runner { get; set; } = Environment.GetEnvironmentVariable("PLATFORM_RUNNER") ?? "local";

    /// <summary>
    /// Route every reference edge (service to database, cache, broker or another service) through a fault proxy the host
    /// controls (<see cref="DistributedApplication.Edges"/>). Off by default: edges are then wired directly. Also
    /// settable as the configuration value <c>EdgeProxies=true</c> (e.g. <c>./platform run -- --EdgeProxies=true</c>).
    /// </summary>
    public bool EdgeProxies { get; set; }

    /// <summary>
    /// Serve the dashboard and its OTLP receiver (on by default; the test host turns it off). Also the configuration
    /// value <c>Dashboard</c> (e.g. <c>--Dashboard=false</c>), with <c>DashboardPort</c> (18888 unless ports are randomized).
    /// </summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>Passed to every project as OTEL_EXPORTER_OTLP_ENDPOINT when set.</summary>
    public string? OtlpEndpoint { get; set; } = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT");
}
