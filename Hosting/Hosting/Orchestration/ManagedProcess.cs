using System.Diagnostics;

namespace Platform.Hosting.Orchestration;

/// <summary>
/// One child process in a session and process group of its own (via <c>setsid</c>), so that stop, kill and
/// pause reach everything it spawned. Its output goes to the resource's logs.
/// </summary>
internal sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly int _stopSignal;

    private ManagedProcess(Process process, int stopSignal)
    {
        _process = process;
        _stopSignal = stopSignal;
        Exited = WaitForExitCodeAsync();
    }

    public int Pid => _process.Id;

    /// <summary>Completes with the exit code when the main process ends.</summary>
    public Task<int> Exited { get; }

    public static ManagedProcess Start(ProcessSpec spec, RunDirectory run, ResourceLogs logs)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };

        if (spec.RunAsUser is { } user && Libc.IsRoot)
        {
            // setpriv execs in place (runuser/su fork), so the pid we hold is the server's own.
            foreach (var arg in new[] { "setpriv", $"--reuid={user}", $"--regid={user}", "--init-groups" })
            {
                info.ArgumentList.Add(arg);
            }
        }

        info.ArgumentList.Add(spec.FileName);
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in spec.Environment)
        {
            info.Environment[name] = value;
        }

        // Every process of a run carries its id, so the leftovers of a crashed run can be found and stopped.
        info.Environment[RunDirectory.RunIdVariable] = run.RunId;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) logs.Write(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) logs.Write(e.Data); };
        logs.Write($"[host] launching: {spec}");
        process.Start();
        run.RecordProcessGroup(process.Id); // setsid made it the leader of a group with its own pid
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, spec.StopSignal);
    }

    /// <summary>Asks the process to stop, kills its group after <paramref name="timeout"/>, then sweeps the group.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (!Exited.IsCompleted)
        {
            Libc.Signal(Pid, Libc.SIGCONT); // a paused process cannot act on the stop signal
            Libc.Signal(Pid, _stopSignal);
            await Task.WhenAny(Exited, Task.Delay(timeout));
        }

        await KillAsync();
    }

    /// <summary>SIGKILL to the whole process group: no clean shutdown, like a crash.</summary>
    public async Task KillAsync()
    {
        Libc.Signal(-Pid, Libc.SIGKILL);
        Libc.Signal(Pid, Libc.SIGKILL);
        await Exited;
    }

    public void Pause() => Libc.Signal(-Pid, Libc.SIGSTOP);

    public void Resume() => Libc.Signal(-Pid, Libc.SIGCONT);

    /// <summary>A line to the process's standard input (the in-memory Kafka broker takes its fault commands there).</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public void Dispose() => _process.Dispose();

    private async Task<int> WaitForExitCodeAsync()
    {
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }
}
