using System.Globalization;

namespace Platform.Hosting.Processes;

/// <summary>
/// A process and everything it started, found through /proc: DCP runs executables in its own process group, so a
/// signal meant for a server (postgres and its backends, rabbitmq and its epmd) has to walk the tree.
/// </summary>
public static class ProcessTree
{
    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/> and its descendants, children first for a stop, parent first otherwise.</summary>
    public static int Signal(int pid, int signal)
    {
        var tree = Descendants(pid).Prepend(pid).ToList();
        if (signal == Libc.SIGSTOP)
        {
            tree.Reverse(); // freeze the workers before the parent can notice
        }

        return tree.Count(p => Libc.Signal(p, signal));
    }

    /// <summary>SIGKILL to the whole tree: a crash, no shutdown code runs. Stopped processes are woken so they die at once.</summary>
    public static int Kill(int pid)
    {
        var tree = Descendants(pid).Prepend(pid).ToList();
        foreach (var p in tree)
        {
            Libc.Signal(p, Libc.SIGKILL);
            Libc.Signal(p, Libc.SIGCONT);
        }

        return tree.Count;
    }

    public static IReadOnlyList<int> Descendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                var parent = int.Parse(stat[1], CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
        }

        var result = new List<int>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var next))
        {
            foreach (var child in children.GetValueOrDefault(next) ?? [])
            {
                result.Add(child);
                pending.Enqueue(child);
            }
        }

        return result;
    }

    /// <summary>
    /// Every process of an Aspire application started by <paramref name="root"/> (the AppHost, or <c>dotnet run</c> above
    /// it): its descendants, DCP (which detaches; found by the <c>--monitor {pid}</c> it is given) and DCP's descendants.
    /// </summary>
    public static IReadOnlyList<int> OfApplication(int root)
    {
        var host = Descendants(root).Append(root).ToList();
        var dcp = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
            .Select(n => int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0).Where(pid => pid > 0)
            .Where(pid => host.Any(h => $"{CommandLine(pid)} ".Contains($"--monitor {h} ", StringComparison.Ordinal))).ToList();
        return host.Concat(dcp).Concat(dcp.SelectMany(Descendants)).Distinct().ToList();
    }

    /// <summary>A process's command line, arguments separated by spaces ("" when it is gone).</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Whether <paramref name="pid"/> is a live process (not gone, not a zombie waiting to be reaped).</summary>
    public static bool IsRunning(int pid) => Stat(pid) is { } stat && stat[0] != "Z";

    /// <summary>The kernel's start time of a process ("gone" when it is not running): tells a live process from a reused pid.</summary>
    public static string StartTimeOf(int pid) => Stat(pid) is { } stat && stat[0] != "Z" ? stat[19] : "gone";

    /// <summary>The fields of /proc/pid/stat after the command name (state, ppid, ...), or null when the process is gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
