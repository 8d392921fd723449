using Platform.Hosting.Orchestration;

namespace Platform.Hosting;

/// <summary>
/// What a developer, a test or a chaos scenario can do to a resource. A name addresses every replica of a
/// resource ("users") or a single one ("users-1"). Starting again keeps the resource's ports.
/// </summary>
public sealed class ResourceCommands
{
    private readonly Orchestrator _orchestrator;

    internal ResourceCommands(Orchestrator orchestrator) => _orchestrator = orchestrator;

    /// <summary>Graceful stop (SIGTERM, or the server's own stop signal); kills after the stop timeout.</summary>
    public Task StopAsync(string name) => _orchestrator.StopAsync(name);

    /// <summary>Launches a stopped, exited or killed resource again and waits until it is healthy.</summary>
    public Task StartAsync(string name, CancellationToken cancellationToken = default) => _orchestrator.StartAsync(name, cancellationToken);

    public Task RestartAsync(string name, CancellationToken cancellationToken = default) => _orchestrator.RestartAsync(name, cancellationToken);

    /// <summary>SIGKILL to the resource's whole process group: a crash, no shutdown code runs.</summary>
    public Task KillAsync(string name) => _orchestrator.KillAsync(name);

    /// <summary>SIGSTOP: the process keeps its sockets open but answers nothing (a hung server).</summary>
    public Task PauseAsync(string name) => _orchestrator.PauseAsync(name);

    public Task ResumeAsync(string name) => _orchestrator.ResumeAsync(name);
}
