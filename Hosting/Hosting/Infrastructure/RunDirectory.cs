using System.Globalization;
using System.Runtime.CompilerServices;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Platform.Hosting.Processes;

namespace Platform.Hosting.Infrastructure;

/// <summary>
/// The private folder of one AppHost run (<c>/tmp/platform/runs/&lt;run&gt;</c>): the local servers' data directories and
/// config files. It outlives a server's restart and is removed when the application is disposed, after DCP has stopped
/// the servers; a folder whose host died is swept at the next start.
/// </summary>
public sealed class RunDirectory : IDisposable
{
    private const string OwnerFile = "owner";
    private const UnixFileMode SharedFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, RunDirectory> Runs = [];

    private RunDirectory(string runId, string path)
    {
        RunId = runId;
        Path = path;
    }

    public string RunId { get; }

    public string Path { get; }

    /// <summary>The run folder of this graph: created with the first local server, removed with the application.</summary>
    public static RunDirectory Of(IDistributedApplicationBuilder builder) => Runs.GetValue(builder, b =>
    {
        var run = Create(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "platform"));
        b.Services.AddSingleton(_ => run); // made by a factory, so the container disposes it last
        b.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            e.Services.GetRequiredService<RunDirectory>();
            return Task.CompletedTask;
        });
        return run;
    });

    /// <summary>A folder for one resource's files, readable by other OS users (postgres runs as its own user).</summary>
    public string CreateFolder(string name)
    {
        var folder = System.IO.Path.Combine(Path, name);
        CreateShared(folder);
        return folder;
    }

    /// <summary>A folder for one resource's files that only this OS user may read (a process the AppHost launches runs as it).</summary>
    public string CreatePrivateFolder(string name)
    {
        var folder = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(folder);
        PrivateFiles.SetMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return folder;
    }

    public void Dispose() => TryDelete(Path);

    private static RunDirectory Create(string root)
    {
        var runsRoot = System.IO.Path.Combine(root, "runs");
        CreateShared(root);
        CreateShared(runsRoot);
        foreach (var run in Directory.EnumerateDirectories(runsRoot).Where(r => !IsOwnerAlive(System.IO.Path.Combine(r, OwnerFile))))
        {
            TryDelete(run);
        }

        var runId = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        var path = System.IO.Path.Combine(runsRoot, runId);
        CreateShared(path);
        File.WriteAllText(System.IO.Path.Combine(path, OwnerFile), $"{Environment.ProcessId} {ProcessTree.StartTimeOf(Environment.ProcessId)}");
        return new RunDirectory(runId, path);
    }

    private static bool IsOwnerAlive(string ownerFile)
    {
        try
        {
            var parts = File.ReadAllText(ownerFile).Split(' ');
            var pid = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return ProcessTree.StartTimeOf(pid) == parts[1];
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
        {
            return false;
        }
    }

    private static void CreateShared(string path)
    {
        Directory.CreateDirectory(path);
        PrivateFiles.SetMode(path, SharedFolderMode);
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
                Thread.Sleep(50); // a just-stopped server may still be closing files in it
            }
        }
    }
}
