namespace Platform.Hosting.Orchestration;

/// <summary>How one kind of resource is brought up and checked. The orchestrator owns order, state and processes.</summary>
internal interface IResourceLauncher
{
    /// <summary>The process to run, or null for a resource that lives inside another (a database).</summary>
    Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken);

    /// <summary>Work after launch and before health counts (create databases, learn the Kafka bootstrap list).</summary>
    Task OnLaunchedAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken) => Task.CompletedTask;

    Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken);
}
