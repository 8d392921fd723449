using System.Globalization;

namespace Platform.Hosting.Orchestration;

/// <summary>
/// The private folder of one run (data directories, config files) and its log folder. Every process of the
/// run carries <see cref="RunIdVariable"/>; at the next start, runs whose host died are swept by that mark.
/// </summary>
internal sealed class RunDirectory : IDisposable
{
    public const string RunIdVariable = "PLATFORM_RUN_ID";
    private const string OwnerFile = "owner";
    private const string GroupsFile = "process-groups";
    private const int LogRunsKept = 20;
    private const UnixFileMode SharedFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private RunDirectory(string runId, string path, string logPath)
    {
        RunId = runId;
        Path = path;
        LogPath = logPath;
    }

    public string RunId { get; }

    public string Path { get; }

    public string LogPath { get; }

    public static RunDirectory Create(DistributedApplicationOptions options)
    {
        var runsRoot = System.IO.Path.Combine(options.RunRoot, "runs");
        CreateShared(options.RunRoot);
        CreateShared(runsRoot);
        SweepCrashedRuns(runsRoot);

        var runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var path = System.IO.Path.Combine(runsRoot, runId);
        CreateShared(path);
        File.WriteAllText(System.IO.Path.Combine(path, OwnerFile), $"{Environment.ProcessId} {StartTimeOf(Environment.ProcessId)}");

        var logRoot = options.LogRoot ?? System.IO.Path.Combine(options.RunRoot, "logs");
        Directory.CreateDirectory(logRoot);
        PruneOldLogs(logRoot);
        var logPath = System.IO.Path.Combine(logRoot, runId);
        Directory.CreateDirectory(logPath);
        return new RunDirectory(runId, path, logPath);
    }

    /// <summary>A folder for one resource's files, readable by other OS users (postgres runs as its own user).</summary>
    public string CreateFolder(string name)
    {
        var folder = System.IO.Path.Combine(Path, name);
        CreateShared(folder);
        return folder;
    }

    /// <summary>
    /// Remembers a launched process group. Servers like postgres and redis overwrite their environment
    /// block with their process title, so the run mark alone cannot find them after a crash; their group can.
    /// </summary>
    public void RecordProcessGroup(int pgid)
    {
        lock (this)
        {
            File.AppendAllText(System.IO.Path.Combine(Path, GroupsFile), pgid.ToString(CultureInfo.InvariantCulture) + "\n");
        }
    }

    /// <summary>Kills whatever still belongs to this run and removes the folder. Logs stay.</summary>
    public void Dispose()
    {
        KillProcessesOfRun(Path);
        TryDelete(Path);
    }

    /// <summary>Kills every process carrying the run's mark or belonging to one of its recorded process groups.</summary>
    internal static int KillProcessesOfRun(string runPath)
    {
        var mark = $"{RunIdVariable}={System.IO.Path.GetFileName(runPath)}\0";
        var groups = File.Exists(System.IO.Path.Combine(runPath, GroupsFile))
            ? File.ReadAllLines(System.IO.Path.Combine(runPath, GroupsFile)).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToHashSet()
            : [];
        var killed = 0;
        foreach (var pid in AllPids())
        {
            if (pid == Environment.ProcessId)
            {
                continue;
            }

            string environ, stat;
            try
            {
                environ = File.ReadAllText($"/proc/{pid}/environ");
                stat = File.ReadAllText($"/proc/{pid}/stat");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone already, or not ours to read
            }

            var group = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], CultureInfo.InvariantCulture);
            if (environ.Contains(mark, StringComparison.Ordinal) || groups.Contains(group))
            {
                Libc.Signal(pid, Libc.SIGCONT);
                Libc.Signal(pid, Libc.SIGKILL);
                killed++;
            }
        }

        return killed;
    }

    private static void SweepCrashedRuns(string runsRoot)
    {
        foreach (var run in Directory.EnumerateDirectories(runsRoot))
        {
            if (IsOwnerAlive(System.IO.Path.Combine(run, OwnerFile)))
            {
                continue;
            }

            KillProcessesOfRun(run);
            TryDelete(run);
        }
    }

    private static bool IsOwnerAlive(string ownerFile)
    {
        try
        {
            var parts = File.ReadAllText(ownerFile).Split(' ');
            var pid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return Libc.IsAlive(pid) && StartTimeOf(pid) == parts[1];
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The kernel's start time of a process: tells a live owner from a reused pid.</summary>
    private static string StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

            // A killed host nobody reaped (PID 1 may not reap orphans) is a zombie: dead all the same.
            return afterName[0] == "Z" ? "gone" : afterName[19]; // field 22 of stat; fields after the name start at 3
        }
        catch (IOException)
        {
            return "gone";
        }
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(System.IO.Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    private static void PruneOldLogs(string logRoot)
    {
        foreach (var old in Directory.EnumerateDirectories(logRoot).Order(StringComparer.Ordinal).SkipLast(LogRunsKept))
        {
            TryDelete(old);
        }
    }

    private static void CreateShared(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, SharedFolderMode);
        }
    }

    private static void TryDelete(string path)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(50); // a just-killed server may still be closing files in it
            }
        }
    }
}
