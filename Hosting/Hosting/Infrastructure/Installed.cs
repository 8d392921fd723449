using Aspire.Hosting;

namespace Platform.Hosting.Infrastructure;

/// <summary>Finds a server binary on PATH, or stops with the exact command that installs it.</summary>
internal static class Installed
{
    public static string Require(string program, string debianPackage, params string[] extraLocations)
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/usr/sbin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .Concat(extraLocations);
        return candidates.FirstOrDefault(File.Exists)
               ?? throw new DistributedApplicationException($"'{program}' is not installed: run `apt-get install -y {debianPackage}` (or ./platform setup).");
    }
}
