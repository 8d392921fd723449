using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting.Orchestration;

/// <summary>One running copy of a resource (a replica, or the only one): its state, logs and process.</summary>
public sealed class ResourceInstance
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ResourceInstance(IResource resource, int replica, string name, ResourceLogs logs)
    {
        Resource = resource;
        Replica = replica;
        Name = name;
        Logs = logs;
    }

    public IResource Resource { get; }

    public int Replica { get; }

    /// <summary>The resource's name, or <c>name-i</c> for a replica of a resource with several.</summary>
    public string Name { get; }

    public ResourceLogs Logs { get; }

    public ResourceState State { get; private set; } = ResourceState.NotStarted;

    public int? Pid => Process?.Pid;

    public int? ExitCode { get; private set; }

    /// <summary>The command line and environment the process was last started with (empty for a resource that is not a process).</summary>
    public ProcessSpec? Spec { get; internal set; }

    internal ManagedProcess? Process { get; set; }

    /// <summary>Raised after every state change.</summary>
    public event Action<ResourceInstance>? StateChanged;

    internal void SetState(ResourceState state, int? exitCode = null)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (State == state && exitCode is null)
            {
                return;
            }

            State = state;
            ExitCode = exitCode ?? ExitCode;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        Logs.Write($"[host {DateTime.UtcNow:HH:mm:ss.fff}] state: {state}{(exitCode is { } code ? $" (exit code {code})" : "")}");
        changed.SetResult();
        StateChanged?.Invoke(this);
    }

    /// <summary>Waits until the state satisfies <paramref name="condition"/>.</summary>
    public async Task WaitForStateAsync(Func<ResourceState, bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(State))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    public override string ToString() => $"{Name} ({State})";
}
