using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Platform.Hosting.ApplicationModel;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting;

/// <summary>A built graph: start it, watch its resources, run commands on them, stop it.</summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly Orchestrator _orchestrator;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Chaos.EdgeRouter? _edges;

    internal DistributedApplication(IReadOnlyList<IResource> resources, DistributedApplicationOptions options, IConfiguration configuration)
    {
        Resources = resources;
        Options = options;
        Configuration = configuration;
        _loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.HostLogLevel));
        _edges = configuration.GetValue("EdgeProxies", options.EdgeProxies) ? new Chaos.EdgeRouter() : null;
        _orchestrator = new Orchestrator(resources, options, _edges, _loggerFactory.CreateLogger("Platform.Hosting"));
        Commands = new ResourceCommands(_orchestrator);
    }

    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
    {
        var options = new DistributedApplicationOptions();
        DistributedApplicationTestHook.ConfigureOptions(options);
        return new DistributedApplicationBuilder(args, options);
    }

    public IReadOnlyList<IResource> Resources { get; }

    public DistributedApplicationOptions Options { get; }

    public IConfiguration Configuration { get; }

    /// <summary>Every running copy of every resource, with its state and logs.</summary>
    public IReadOnlyList<ResourceInstance> Instances => _orchestrator.Instances;

    /// <summary>Stop, start, restart, kill, pause and resume any resource or replica by name.</summary>
    public ResourceCommands Commands { get; }

    /// <summary>The fault proxies on every reference edge (runs started with <c>EdgeProxies</c> only).</summary>
    public Chaos.EdgeRouter Edges => _edges ?? throw new InvalidOperationException("This run has no edge proxies: start it with EdgeProxies=true (DistributedApplicationOptions.EdgeProxies).");

    public bool HasEdgeProxies => _edges is not null;

    /// <summary>Broker faults of an in-memory Kafka resource of the graph.</summary>
    public Kafka.KafkaBrokerFaults KafkaFaults(string name) => new(GetInstances(name).Single());

    /// <summary>The folder with each resource's log file.</summary>
    public string LogDirectory => _orchestrator.Run.LogPath;

    public string RunId => _orchestrator.Run.RunId;

    public IResource GetResource(string name)
        => Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"No resource named '{name}' in this graph.", nameof(name));

    public IReadOnlyList<ResourceInstance> GetInstances(string name) => _orchestrator.Find(name);

    /// <summary>The local dashboard and OTLP receiver, when this run has one (configuration value <c>Dashboard</c>).</summary>
    public Dashboard.DashboardServer? Dashboard { get; private set; }

    /// <summary>
    /// Starts the dashboard (unless <c>Dashboard=false</c>; the test host leaves it out unless asked), then every resource in
    /// dependency order; fails fast, with the failing resource's last log lines, if any cannot start.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await StartDashboardAsync(cancellationToken);
        await _orchestrator.StartAsync(cancellationToken);
    }

    private async Task StartDashboardAsync(CancellationToken cancellationToken)
    {
        if (Dashboard is not null || !Configuration.GetValue("Dashboard", Options.Dashboard))
        {
            return;
        }

        // Up before the services, so they export their telemetry to it from their first span.
        var port = Options.RandomizePorts ? 0 : Configuration.GetValue("DashboardPort", 18888);
        try
        {
            Dashboard = await Hosting.Dashboard.DashboardServer.StartAsync(this, port, cancellationToken);
            Options.OtlpEndpoint ??= Dashboard.Url;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"No dashboard: port {port} is taken ({e.Message}); another port: --DashboardPort=<port>.");
        }
    }

    public Task StopAsync() => _orchestrator.StopAllAsync();

    public Task WaitForHealthyAsync(string name, TimeSpan timeout, CancellationToken cancellationToken = default)
        => _orchestrator.WaitForHealthyAsync(name, timeout, cancellationToken);

    /// <summary>Starts, reports where everything is, and runs until Ctrl+C or SIGTERM, then stops everything.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (DistributedApplicationTestHook.IsActive)
        {
            return; // the test host builds the same graph and starts it itself
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var clock = Stopwatch.StartNew();
        Chaos.ChaosControlServer? control = null;
        try
        {
            // The dashboard first, so the developer can watch the resources start in it.
            await StartDashboardAsync(stop.Token);
            if (Dashboard is not null)
            {
                WriteCurrentRun(Dashboard);
                Console.WriteLine($"Dashboard: {Dashboard.LoginUrl} (the link signs one browser in)");
            }

            Console.WriteLine($"Starting {Resources.Count} resources (run {RunId}, logs in {LogDirectory})");
            await StartAsync(stop.Token);
            Console.WriteLine(StatusTable.Render(this));
            if (_edges is not null)
            {
                control = await Chaos.ChaosControlServer.StartAsync(this, Configuration.GetValue("ChaosControlPort", 18890), stop.Token);
                Console.WriteLine($"Edge faults: {control.Url} (GET /edges, PUT /edges/{{edge}} with an EdgeFaults body, DELETE /edges/{{edge}}, POST /kafka/{{name}}/{{down|up}}/{{broker}})");
            }

            if (Dashboard is not null)
            {
                Console.WriteLine($"Dashboard: {Dashboard.LoginUrl ?? Dashboard.Url + " (signed in)"}");
            }

            Console.WriteLine($"{Options.ApplicationName} ready in {clock.Elapsed.TotalSeconds:0.0} s. Press Ctrl+C to stop.");
            await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (DistributedApplicationException e)
        {
            Console.Error.WriteLine($"{Options.ApplicationName} failed to start: {e.Message}");
            Environment.ExitCode = 1;
        }
        finally
        {
            clock.Restart();
            Console.WriteLine("Stopping...");
            if (control is not null)
            {
                await control.DisposeAsync();
            }

            File.Delete(CurrentRunFile);
            await DisposeAsync();

            Console.WriteLine($"Stopped in {clock.Elapsed.TotalSeconds:0.0} s.");
        }
    }

    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Where the running host tells the command line how to reach it (<c>./platform health|logs|inspect</c>).</summary>
    private string CurrentRunFile => Path.Combine(Options.RunRoot, "current.env");

    private void WriteCurrentRun(Dashboard.DashboardServer dashboard)
    {
        var lines = $"PLATFORM_PID={Environment.ProcessId}\nPLATFORM_RUN={RunId}\nPLATFORM_DASHBOARD={dashboard.Url}\nPLATFORM_TOKEN={dashboard.ApiToken}\nPLATFORM_LOGS={LogDirectory}\n";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // the token is the user's alone
        }

        using var file = new FileStream(CurrentRunFile, options);
        file.Write(System.Text.Encoding.UTF8.GetBytes(lines));
    }

    public async ValueTask DisposeAsync()
    {
        await _orchestrator.DisposeAsync();
        if (_edges is not null)
        {
            await _edges.DisposeAsync();
        }

        if (Dashboard is not null)
        {
            await Dashboard.DisposeAsync(); // last: the services flush their telemetry to it as they stop
        }

        _loggerFactory.Dispose();
    }
}
