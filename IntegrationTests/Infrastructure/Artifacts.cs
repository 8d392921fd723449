namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Files the tests leave for a person to look at (chaos timelines, screenshots), under the repository's artifacts/.</summary>
public static class Artifacts
{
    /// <summary>A path in artifacts/<paramref name="folder"/>, the folder created.</summary>
    public static string PathFor(string folder, string file)
    {
        var directory = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "artifacts", folder));
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, file);
    }
}
