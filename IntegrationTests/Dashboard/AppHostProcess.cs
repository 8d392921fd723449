using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;

namespace Platform.IntegrationTests.Dashboard;

/// <summary>
/// <c>dotnet run --project AppHost</c> the way a developer starts it, in a session of its own (as a terminal would
/// run it), on free ports: DCP, the Aspire dashboard and the whole graph. Reads the login link and the ready line it
/// prints, and stops it with a signal, counting every process the run had until none is left.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _loginUrl = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppHostProcess(Process process, int dashboardPort, int gatewayPort, int chaosPort)
    {
        _process = process;
        DashboardUrl = new Uri($"http://localhost:{dashboardPort}");
        GatewayUrl = new Uri($"http://localhost:{gatewayPort}");
        ChaosControlUrl = new Uri($"http://127.0.0.1:{chaosPort}");
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri DashboardUrl { get; }

    public Uri GatewayUrl { get; }

    public Uri ChaosControlUrl { get; }

    public int Pid => _process.Id;

    /// <summary>The one-time login link the AppHost printed.</summary>
    public Task<string> LoginUrl => _loginUrl.Task;

    /// <summary>Everything the AppHost printed so far.</summary>
    public IReadOnlyList<string> Output => [.. _output];

    /// <summary>Starts the AppHost with the given arguments and waits for its "ready" line.</summary>
    public static async Task<AppHostProcess> StartAsync(string[] arguments, TimeSpan timeout)
    {
        var (dashboard, otlp, resources, gateway, chaos) = (LocalPorts.Free(), LocalPorts.Free(), LocalPorts.Free(), LocalPorts.Free(), LocalPorts.Free());
        var configuration = typeof(AppHostProcess).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyConfigurationAttribute), false)
            .OfType<System.Reflection.AssemblyConfigurationAttribute>().FirstOrDefault()?.Configuration ?? "Debug";
        // setsid: a session and process group of its own, like a command typed in a terminal (Ctrl+C reaches the whole group);
        // env --default-signal=INT: a test host started in the background inherits SIGINT ignored, which a terminal never passes on.
        var start = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "env", "--default-signal=INT", "dotnet", "run", "--project", Projects.AppHost.ProjectPath, "--no-build", "-c", configuration, "--no-launch-profile", "--",
                     $"--GatewayPort={gateway}", $"--ChaosControlPort={chaos}" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        // What AppHost/Properties/launchSettings.json sets, on free ports.
        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{dashboard}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{otlp}";
        start.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{resources}";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        var host = new AppHostProcess(Process.Start(start)!, dashboard, gateway, chaos);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await host._ready.Task.WaitAsync(deadline.Token);
            await host._loginUrl.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            var printed = string.Join(Environment.NewLine, host.Output.TakeLast(40));
            await host.DisposeAsync();
            throw new TimeoutException($"The AppHost was not ready within {timeout.TotalSeconds:0} s. It printed:{Environment.NewLine}{printed}");
        }

        return host;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> (to the process group for SIGINT, as Ctrl+C in a terminal; to the dotnet run
    /// process for SIGTERM) and waits until every process of the run is gone: the AppHost, DCP (which detaches into a
    /// group of its own) and everything DCP started. Returns how many there were and what is left at the deadline.
    /// </summary>
    public async Task<(int Processes, TimeSpan Elapsed, IReadOnlyList<string> Left)> StopAsync(int signal, TimeSpan deadline)
    {
        var processes = ProcessesOfRun();
        var clock = Stopwatch.StartNew();
        if (Kill(signal == 2 ? -Pid : Pid, signal) != 0 && ProcessTree.IsRunning(Pid))
        {
            throw new InvalidOperationException($"Could not signal {Pid}.");
        }

        var left = processes;
        while (clock.Elapsed < deadline)
        {
            left = processes.Where(p => ProcessTree.IsRunning(p.Pid)).ToList();
            if (left.Count == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        return (processes.Count, clock.Elapsed, left.Select(p => $"{p.Pid} {p.Command}").ToList());
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (LoginLine().Match(line) is { Success: true } login)
        {
            _loginUrl.TrySetResult(login.Groups[1].Value);
        }

        if (line.Contains(" ready in ", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    /// <summary>The dotnet run process, everything under it, DCP and everything under DCP.</summary>
    private List<(int Pid, string Command)> ProcessesOfRun()
        => ProcessTree.OfApplication(Pid).Select(p => (p, ProcessTree.CommandLine(p))).ToList();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [GeneratedRegex(@"Login to the dashboard at (\S+)")]
    private static partial Regex LoginLine();

    public async ValueTask DisposeAsync()
    {
        if (ProcessTree.IsRunning(Pid))
        {
            await StopAsync(15, TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
    }
}
