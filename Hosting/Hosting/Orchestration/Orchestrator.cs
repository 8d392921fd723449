using Microsoft.Extensions.Logging;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Orchestration;

/// <summary>
/// Starts the graph in dependency order (independent resources in parallel), keeps every instance's state
/// current, runs resource commands, and stops everything in reverse order.
/// </summary>
internal sealed class Orchestrator : IAsyncDisposable
{
    private static readonly TimeSpan MonitorInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly IReadOnlyList<IResource> _resources;
    private readonly DistributedApplicationOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<IResource, ResourceInstance[]> _instances = [];
    private readonly Dictionary<ResourceInstance, InstanceRuntime> _runtime = [];
    private readonly CancellationTokenSource _lifetime = new();
    private bool _disposed;

    private readonly Chaos.EdgeRouter? _edges;

    public Orchestrator(IReadOnlyList<IResource> resources, DistributedApplicationOptions options, Chaos.EdgeRouter? edges, ILogger logger)
    {
        _edges = edges;
        _resources = resources;
        _options = options;
        _logger = logger;
        Run = RunDirectory.Create(options);
        AllocatePorts();
        foreach (var resource in resources)
        {
            var count = resource.ReplicaCount();
            _instances[resource] = Enumerable.Range(0, count).Select(i =>
            {
                var name = count == 1 ? resource.Name : $"{resource.Name}-{i}";
                var instance = new ResourceInstance(resource, i, name, new ResourceLogs(Path.Combine(Run.LogPath, name + ".log")));
                _runtime[instance] = new InstanceRuntime(Launchers.For(resource, options));
                return instance;
            }).ToArray();
        }
    }

    public RunDirectory Run { get; }

    public IReadOnlyList<ResourceInstance> Instances => _instances.Values.SelectMany(i => i).ToArray();

    /// <summary>The instances a name addresses: every replica of a resource, or one replica by its own name.</summary>
    public IReadOnlyList<ResourceInstance> Find(string name)
    {
        var byResource = _instances.FirstOrDefault(p => string.Equals(p.Key.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
        if (byResource is not null)
        {
            return byResource;
        }

        var instance = Instances.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
        return instance is not null ? [instance] : throw new ArgumentException($"No resource or replica named '{name}' in this graph.", nameof(name));
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var pending = _resources.Select(r => StartResourceAsync(r, failFast.Token)).ToList();
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending);
            pending.Remove(finished);
            if (!finished.IsCompletedSuccessfully)
            {
                // One resource failed: stop waiting for the others, report the first failure.
                await failFast.CancelAsync();
                await Task.WhenAll(pending.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                await finished;
            }
        }
    }

    public Task StartAsync(string name, CancellationToken cancellationToken)
        => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, () => LaunchAsync(i, cancellationToken))));

    public Task StopAsync(string name)
        => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, () => StopInstanceAsync(i, graceful: true))));

    public Task KillAsync(string name)
        => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, () => KillInstanceAsync(i))));

    public Task RestartAsync(string name, CancellationToken cancellationToken)
        => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, async () =>
        {
            await StopInstanceAsync(i, graceful: true);
            await LaunchAsync(i, cancellationToken);
        })));

    public Task PauseAsync(string name) => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, () =>
    {
        i.Process?.Pause();
        i.SetState(ResourceState.Paused);
        return Task.CompletedTask;
    })));

    public Task ResumeAsync(string name) => Task.WhenAll(Find(name).Select(i => RunCommandAsync(i, () =>
    {
        i.Process?.Resume();
        i.SetState(ResourceState.Running); // the monitor decides healthy or unhealthy next
        return Task.CompletedTask;
    })));

    /// <summary>Waits until every instance of <paramref name="name"/> is healthy, or fails with their recent logs.</summary>
    public async Task WaitForHealthyAsync(string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var instances = Find(name);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await Task.WhenAll(instances.Select(i => i.WaitForStateAsync(s => s == ResourceState.Healthy, deadline.Token)));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var report = string.Join(Environment.NewLine, instances.Select(i => Describe(i, $"is {i.State}, not healthy after {timeout.TotalSeconds:0.#} s")));
            throw new TimeoutException(report);
        }
    }

    /// <summary>
    /// Stops applications first (gracefully: they finish requests and flush telemetry), then infrastructure
    /// from the most dependent down, each level in parallel. Infrastructure is killed rather than shut down:
    /// its data lives in the run directory, which is deleted next, so a clean shutdown would only cost time
    /// (RabbitMQ alone takes seconds).
    /// </summary>
    public async Task StopAllAsync()
    {
        await _lifetime.CancelAsync();
        var levels = _resources
            .GroupBy(r => (IsApplication(r) ? 1 : 0, Depth(r)))
            .OrderByDescending(g => g.Key.Item1).ThenByDescending(g => g.Key.Item2);
        foreach (var level in levels)
        {
            await Task.WhenAll(level.SelectMany(r => _instances[r]).Select(i => RunCommandAsync(i, () => StopInstanceAsync(i, graceful: level.Key.Item1 == 1))));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAllAsync();
        foreach (var (instance, runtime) in _runtime)
        {
            instance.Process?.Dispose();
            instance.Logs.Dispose();
            runtime.Dispose();
        }

        Run.Dispose();
        _lifetime.Dispose();
    }

    private async Task StartResourceAsync(IResource resource, CancellationToken cancellationToken)
    {
        foreach (var instance in _instances[resource])
        {
            instance.SetState(ResourceState.Waiting);
        }

        foreach (var dependency in GraphValidator.DependenciesOf(resource).Distinct())
        {
            await Task.WhenAll(_instances[dependency].Select(d => WaitForDependencyAsync(d, resource, cancellationToken)));
        }

        await Task.WhenAll(_instances[resource].Select(i => RunCommandAsync(i, () => LaunchAsync(i, cancellationToken))));
    }

    private static async Task WaitForDependencyAsync(ResourceInstance dependency, IResource waiter, CancellationToken cancellationToken)
    {
        await dependency.WaitForStateAsync(s => s is ResourceState.Healthy or ResourceState.FailedToStart, cancellationToken);
        if (dependency.State == ResourceState.FailedToStart)
        {
            throw new DistributedApplicationException($"'{waiter.Name}' cannot start: its dependency '{dependency.Name}' failed to start.");
        }
    }

    private async Task LaunchAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var runtime = _runtime[instance];
        if (instance.State is ResourceState.Healthy or ResourceState.Unhealthy or ResourceState.Running or ResourceState.Paused)
        {
            return;
        }

        instance.SetState(ResourceState.Starting);
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.StartupTimeout);
        try
        {
            EnsureFixedPortsAreFree(instance);
            var spec = await runtime.Launcher.PrepareAsync(instance, Run, deadline.Token);
            Task exited = Task.Delay(Timeout.Infinite, deadline.Token);
            if (spec is not null)
            {
                await ApplyEnvironmentAsync(instance, spec, deadline.Token);
                instance.Process?.Dispose();
                instance.Spec = spec;
                instance.Process = ManagedProcess.Start(spec, Run, instance.Logs);
                exited = instance.Process.Exited;
                instance.SetState(ResourceState.Running);
            }

            var launched = runtime.Launcher.OnLaunchedAsync(instance, Run, deadline.Token);
            if (await Task.WhenAny(launched, exited) == exited)
            {
                throw Failure(instance, $"exited with code {instance.Process?.Exited.Result} while starting");
            }

            await launched;
            while (!await runtime.Launcher.IsHealthyAsync(instance, deadline.Token))
            {
                if (await Task.WhenAny(exited, Task.Delay(HealthPollInterval, deadline.Token)) == exited)
                {
                    throw Failure(instance, $"exited with code {instance.Process?.Exited.Result} before it became healthy");
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Failure(instance, $"did not become healthy within {_options.StartupTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException)
        {
            await StopProcessAsync(instance);
            instance.SetState(ResourceState.Stopped);
            throw;
        }
        catch (Exception e) when (e is not DistributedApplicationException)
        {
            throw Failure(instance, e.Message, e);
        }

        instance.SetState(ResourceState.Healthy);
        _logger.LogInformation("{Resource} healthy in {Seconds:0.0} s", instance.Name, started.Elapsed.TotalSeconds);
        runtime.StartMonitor(instance, MonitorAsync, _lifetime.Token);
    }

    private DistributedApplicationException Failure(ResourceInstance instance, string reason, Exception? inner = null)
    {
        instance.SetState(ResourceState.FailedToStart, instance.Process is { Exited.IsCompleted: true } p ? p.Exited.Result : null);
        _ = StopProcessAsync(instance);
        var message = Describe(instance, reason);
        return inner is null ? new DistributedApplicationException(message) : new DistributedApplicationException(message, inner);
    }

    /// <summary>
    /// A fixed port taken by someone else would let the health check talk to a stranger (an earlier
    /// platform still running, say) while our process fails to bind: refuse to start instead.
    /// </summary>
    private void EnsureFixedPortsAreFree(ResourceInstance instance)
    {
        foreach (var endpoint in instance.Resource.AnnotationsOf<EndpointAnnotation>().Where(e => e.Port is not null && !_options.RandomizePorts))
        {
            var port = endpoint.AllocatedPorts[instance.Replica];
            using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            try
            {
                probe.Start();
            }
            catch (System.Net.Sockets.SocketException)
            {
                throw Failure(instance, $"cannot listen on port {port}: another process uses it; stop that process or choose another port");
            }
            finally
            {
                probe.Stop();
            }
        }
    }

    private static string Describe(ResourceInstance instance, string reason)
        => $"Resource '{instance.Name}' {reason}. Last log lines ({instance.Logs.FilePath}):{Environment.NewLine}  "
           + string.Join(Environment.NewLine + "  ", instance.Logs.Tail(25));

    private async Task MonitorAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var runtime = _runtime[instance];
        var exited = instance.Process?.Exited ?? new TaskCompletionSource<int>().Task; // a database has no process to exit
        while (!cancellationToken.IsCancellationRequested)
        {
            var tick = Task.Delay(MonitorInterval, cancellationToken);
            await Task.WhenAny(exited, tick);
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (exited.IsCompleted)
            {
                instance.SetState(ResourceState.Exited, exited.Result);
                return;
            }

            if (instance.State == ResourceState.Paused)
            {
                continue;
            }

            var healthy = await runtime.Launcher.IsHealthyAsync(instance, cancellationToken).ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default);
            if (!cancellationToken.IsCancellationRequested && instance.State != ResourceState.Paused)
            {
                instance.SetState(healthy ? ResourceState.Healthy : ResourceState.Unhealthy);
            }
        }
    }

    private async Task StopInstanceAsync(ResourceInstance instance, bool graceful)
    {
        var runtime = _runtime[instance];
        await runtime.StopMonitorAsync();
        if (instance.State is ResourceState.NotStarted or ResourceState.Stopped or ResourceState.FailedToStart or ResourceState.Exited && instance.Process is null or { Exited.IsCompleted: true })
        {
            if (instance.State is not ResourceState.FailedToStart and not ResourceState.Exited)
            {
                instance.SetState(ResourceState.Stopped);
            }

            return;
        }

        instance.SetState(ResourceState.Stopping);
        if (graceful)
        {
            await StopProcessAsync(instance);
        }
        else if (instance.Process is { } process)
        {
            await process.KillAsync();
        }

        instance.SetState(ResourceState.Stopped);
    }

    private async Task StopProcessAsync(ResourceInstance instance)
    {
        if (instance.Process is { } process)
        {
            await process.StopAsync(_options.StopTimeout);
        }
    }

    private async Task KillInstanceAsync(ResourceInstance instance)
    {
        await _runtime[instance].StopMonitorAsync();
        if (instance.Process is { } process)
        {
            await process.KillAsync();
            instance.SetState(ResourceState.Exited, process.Exited.Result);
        }
    }

    private Task RunCommandAsync(ResourceInstance instance, Func<Task> command) => _runtime[instance].RunExclusiveAsync(command);

    private async Task ApplyEnvironmentAsync(ResourceInstance instance, ProcessSpec spec, CancellationToken cancellationToken)
    {
        var context = new EnvironmentContext(spec.Environment, instance.Resource.Name, instance.Replica, _edges, cancellationToken);
        foreach (var callback in instance.Resource.AnnotationsOf<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }
    }

    private void AllocatePorts()
    {
        foreach (var resource in _resources)
        {
            foreach (var endpoint in resource.AnnotationsOf<EndpointAnnotation>())
            {
                endpoint.AllocatedPorts.Clear();
                for (var i = 0; i < resource.ReplicaCount(); i++)
                {
                    endpoint.AllocatedPorts.Add(endpoint.Port is { } fixedPort && !_options.RandomizePorts ? fixedPort : PortAllocator.Next());
                }
            }
        }
    }

    private static bool IsApplication(IResource resource) => resource is ProjectResource or ExecutableResource;

    private static int Depth(IResource resource)
        => GraphValidator.DependenciesOf(resource).Select(d => Depth(d) + 1).DefaultIfEmpty(0).Max();

    /// <summary>What the orchestrator keeps per instance: its launcher, health monitor, and a lock so commands do not interleave.</summary>
    private sealed class InstanceRuntime(IResourceLauncher launcher) : IDisposable
    {
        private readonly SemaphoreSlim _commands = new(1, 1);
        private CancellationTokenSource? _monitorStop;
        private Task _monitor = Task.CompletedTask;

        public IResourceLauncher Launcher { get; } = launcher;

        public async Task RunExclusiveAsync(Func<Task> command)
        {
            await _commands.WaitAsync();
            try
            {
                await command();
            }
            finally
            {
                _commands.Release();
            }
        }

        public void Dispose()
        {
            _commands.Dispose();
            _monitorStop?.Dispose();
        }

        public void StartMonitor(ResourceInstance instance, Func<ResourceInstance, CancellationToken, Task> monitor, CancellationToken lifetime)
        {
            _monitorStop = CancellationTokenSource.CreateLinkedTokenSource(lifetime);
            _monitor = monitor(instance, _monitorStop.Token);
        }

        public async Task StopMonitorAsync()
        {
            if (_monitorStop is null)
            {
                return;
            }

            await _monitorStop.CancelAsync();
            await _monitor.ContinueWith(_ => { }, TaskScheduler.Default);
            _monitorStop.Dispose();
            _monitorStop = null;
        }
    }
}
