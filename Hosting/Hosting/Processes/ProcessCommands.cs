using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting.Processes;

/// <summary>
/// Process faults Aspire's stop, start and restart do not cover, as resource commands on every replica (dashboard
/// buttons, and <see cref="ResourceControl"/> for tests): kill (SIGKILL to the process and its children: a crash,
/// no shutdown code runs), pause (SIGSTOP: sockets stay open, nothing answers) and resume.
/// </summary>
public static class ProcessCommands
{
    public const string Kill = "kill";
    public const string Pause = "pause";
    public const string Resume = "resume";

    public static IResourceBuilder<T> WithProcessCommands<T>(this IResourceBuilder<T> builder) where T : IResource
        => builder
            .WithCommand(Kill, "Kill", context => SignalAsync(context, pid => ProcessTree.Kill(pid)), Options("SIGKILL to the process and its children: a crash", "Flash"))
            .WithCommand(Pause, "Pause", context => SignalAsync(context, pid => ProcessTree.Signal(pid, Libc.SIGSTOP)), Options("SIGSTOP: the process keeps its sockets and answers nothing", "Pause"))
            .WithCommand(Resume, "Resume", context => SignalAsync(context, pid => ProcessTree.Signal(pid, Libc.SIGCONT)), Options("SIGCONT after a pause", "Play"));

    /// <summary>The process id DCP reports for a running replica.</summary>
    public static int? ProcessId(CustomResourceSnapshot snapshot)
        => snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value switch
        {
            int pid => pid,
            long pid => (int)pid,
            string text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) => pid,
            _ => null,
        };

    private static CommandOptions Options(string description, string icon) => new()
    {
        Description = description,
        IconName = icon,
        UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
    };

    private static Task<ExecuteCommandResult> SignalAsync(ExecuteCommandContext context, Func<int, int> signal)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var current) || ProcessId(current.Snapshot) is not { } pid)
        {
            return Task.FromResult(CommandResults.Failure($"{context.ResourceName} has no running process."));
        }

        return Task.FromResult(signal(pid) > 0 ? CommandResults.Success() : CommandResults.Failure($"Process {pid} is gone."));
    }
}
