using System.Runtime.InteropServices;

namespace Platform.Hosting.Processes;

/// <summary>The few POSIX calls .NET does not expose: signals, the caller's uid, chown.</summary>
internal static partial class Libc
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint SysGetEuid();

    [LibraryImport("libc", EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysChown(string path, uint owner, uint group);

    public static bool IsRoot => SysGetEuid() == 0;

    /// <summary>Sends a signal. False when nothing received it.</summary>
    public static bool Signal(int pid, int signal) => SysKill(pid, signal) == 0;

    public static void Chown(string path, uint uid, uint gid)
    {
        if (SysChown(path, uid, gid) != 0)
        {
            throw new IOException($"chown {path} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }
}
