using System.Diagnostics;
using Aspire.Hosting;

namespace Platform.Hosting.Infrastructure;

/// <summary>Runs a short setup command (initdb) to completion; a failure carries the command's own output.</summary>
internal static class OneShotProcess
{
    public static async Task RunAsync(IReadOnlyList<string> command, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DistributedApplicationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{Path.GetFileName(command[0])} failed (exit {process.ExitCode}): {await errors}{await output}");
        }
    }
}
