namespace Platform.Hosting.Infrastructure;

/// <summary>File modes for the run's folders and secrets-bearing config files (POSIX only; elsewhere a no-op).</summary>
internal static class PrivateFiles
{
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
