using Platform.Hosting.Infrastructure;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Processes;

/// <summary>
/// What a test, a benchmark or a chaos scenario does to a resource, through Aspire's resource commands. A name
/// addresses every replica of a resource ("users", "postgres") or one replica by its index ("users-0", in the order
/// of their DCP names). Starting again keeps the resource's ports and data.
/// </summary>
public sealed class ResourceControl(DistributedApplication app)
{
    private readonly DistributedApplicationModel _model = app.Services.GetRequiredService<DistributedApplicationModel>();

    /// <summary>Graceful stop (SIGTERM; DCP kills after its stop timeout).</summary>
    public Task StopAsync(string name) => RunAsync(name, KnownResourceCommands.StopCommand);

    /// <summary>Launches a stopped, exited or killed resource again and waits until it is healthy.</summary>
    public async Task StartAsync(string name, CancellationToken cancellationToken = default)
    {
        await RunAsync(name, KnownResourceCommands.StartCommand, cancellationToken);
        await WaitForHealthyAsync(name, cancellationToken);
    }

    public async Task RestartAsync(string name, CancellationToken cancellationToken = default)
    {
        await RunAsync(name, KnownResourceCommands.RestartCommand, cancellationToken);
        await WaitForHealthyAsync(name, cancellationToken);
    }

    /// <summary>SIGKILL to the process tree of each replica; returns once Aspire sees them gone.</summary>
    public async Task KillAsync(string name)
    {
        await RunAsync(name, ProcessCommands.Kill);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var replica in await ReplicasAsync(name))
        {
            await app.ResourceNotifications.WaitForResourceAsync(ResourceName(name), e => e.ResourceId == replica && KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        }
    }

    public Task PauseAsync(string name) => RunAsync(name, ProcessCommands.Pause);

    public Task ResumeAsync(string name) => RunAsync(name, ProcessCommands.Resume);

    /// <summary>The DCP names of the replicas <paramref name="name"/> addresses (a resource, <c>users-0</c>, or a DCP name itself).</summary>
    public async Task<IReadOnlyList<string>> ReplicasAsync(string name)
    {
        if (_model.Resources.Any(r => r.Name == name))
        {
            return await InstancesOfAsync(name);
        }

        if (app.ResourceNotifications.TryGetCurrentState(name, out var instance) && instance.ResourceId == name)
        {
            return [name];
        }

        var dash = name.LastIndexOf('-');
        if (dash > 0 && int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && _model.Resources.Any(r => r.Name == name[..dash]) && await InstancesOfAsync(name[..dash]) is { } replicas && index < replicas.Count)
        {
            return [replicas[index]];
        }

        throw new ArgumentException($"No resource or replica named '{name}'. Resources: {string.Join(", ", _model.Resources.Select(r => r.Name))}.", nameof(name));
    }

    /// <summary>
    /// The instance ids Aspire has published a state for, in order. A new watch replays the last state of every instance
    /// synchronously before it waits for changes, so the replay ends at the first step that does not complete at once.
    /// </summary>
    private async Task<List<string>> InstancesOfAsync(string resourceName)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var watch = app.ResourceNotifications.WatchAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var next = watch.MoveNextAsync().AsTask();
        while (next.IsCompletedSuccessfully && next.Result)
        {
            if (watch.Current.Resource.Name == resourceName)
            {
                ids.Add(watch.Current.ResourceId);
            }

            next = watch.MoveNextAsync().AsTask();
        }

        await stop.CancelAsync();
        try
        {
            await next;
        }
        catch (OperationCanceledException)
        {
        }

        await watch.DisposeAsync();
        if (ids.Count > 1)
        {
            ids.Remove(resourceName); // the model's own entry, before DCP named the replicas
        }

        return [.. ids];
    }

    /// <summary>The current state of one replica (the first, for a name with several).</summary>
    public async Task<CustomResourceSnapshot> SnapshotAsync(string name)
        => app.ResourceNotifications.TryGetCurrentState((await ReplicasAsync(name))[0], out var current)
            ? current.Snapshot
            : throw new InvalidOperationException($"{name} has reported no state yet.");

    /// <summary>
    /// The address one replica of a project serves on itself, behind DCP's proxy (which spreads connections over the
    /// replicas at random): for a test that must talk to one replica in particular.
    /// </summary>
    public async Task<Uri> ReplicaUrlAsync(string name)
    {
        var urls = (await SnapshotAsync(name)).EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value
                   ?? throw new InvalidOperationException($"{name} has no ASPNETCORE_URLS in its environment.");
        return new Uri(urls.Split(';')[0]);
    }

    /// <summary>
    /// Waits until every replica <paramref name="name"/> addresses is running and healthy. For a project replica that is
    /// not enough: Aspire checks a project's health through the shared endpoint DCP's proxy spreads over the replicas, so
    /// a sibling's answer can report a replica healthy that is still starting; each replica's own address must answer
    /// /alive too.
    /// </summary>
    public async Task WaitForHealthyAsync(string name, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(1));
        try
        {
            foreach (var replica in await ReplicasAsync(name))
            {
                var healthy = await app.ResourceNotifications.WaitForResourceAsync(
                    ResourceName(name),
                    e => e.ResourceId == replica && e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
                    timeout.Token);
                if (healthy.Snapshot.EnvironmentVariables.FirstOrDefault(v => v.Name == "ASPNETCORE_URLS")?.Value is { } urls)
                {
                    await ServerProbes.WaitForHttpAsync(new Uri(new Uri(urls.Split(';')[0]), "/alive"), timeout.Token);
                }
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // What the process said is what tells a start that hangs from one that crashes: the message carries it.
            throw new TimeoutException($"{name} was not healthy within a minute. Its last console lines:\n{string.Join('\n', await app.LastLogLinesAsync(ResourceName(name), 40))}", e);
        }
    }

    /// <summary>The model resource a name addresses ("users" for "users-0").</summary>
    private string ResourceName(string name) => _model.Resources.Any(r => r.Name == name) ? name : name[..name.LastIndexOf('-')];

    private async Task RunAsync(string name, string command, CancellationToken cancellationToken = default)
    {
        foreach (var replica in await ReplicasAsync(name))
        {
            var result = await app.ResourceCommands.ExecuteCommandAsync(replica, command, cancellationToken);
            if (!result.Success)
            {
                throw new InvalidOperationException($"'{command}' on {replica} failed: {result.Message}");
            }
        }
    }
}

public static class ResourceControlExtensions
{
    /// <summary>Stop, start, restart, kill, pause and resume any resource or replica of the graph by name.</summary>
    public static ResourceControl Control(this DistributedApplication app) => new(app);
}
