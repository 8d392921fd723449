namespace Platform.Hosting.Orchestration;

/// <summary>Runs a setup command (initdb, docker exec) to completion through the same launcher as servers.</summary>
internal static class OneShot
{
    public static async Task RunAsync(ProcessSpec spec, RunDirectory run, ResourceLogs logs, CancellationToken cancellationToken)
    {
        using var process = ManagedProcess.Start(spec, run, logs);
        int exitCode;
        try
        {
            exitCode = await process.Exited.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await process.KillAsync();
            throw;
        }

        if (exitCode != 0)
        {
            throw new DistributedApplicationException($"`{spec}` failed with exit code {exitCode}:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", logs.Tail(15))}");
        }
    }
}
