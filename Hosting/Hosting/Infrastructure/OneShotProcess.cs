using System.Diagnostics;
using Aspire.Hosting;

namespace Platform.Hosting.Infrastructure;

/// <summary>
/// Runs a command to completion (initdb, a benchmark's load generator) and returns what it printed; a failure carries the
/// command's own output, and a cancelled run is killed (its whole tree) and waited for before the cancellation surfaces.
/// </summary>
public static class OneShotProcess
{
    public static async Task<string> RunAsync(IReadOnlyList<string> command, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new DistributedApplicationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new DistributedApplicationException($"{Path.GetFileName(command[0])} failed (exit {process.ExitCode}): {await errors}{await output}");
        }

        return await output;
    }
}
