namespace Platform.Hosting.Orchestration;

/// <summary>Everything needed to launch one process of a resource.</summary>
public sealed class ProcessSpec(string fileName)
{
    public string FileName { get; } = fileName;

    public IList<string> Arguments { get; } = [];

    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string? WorkingDirectory { get; set; }

    /// <summary>Run as this OS user (postgres refuses root). Only applied when the host runs as root.</summary>
    public string? RunAsUser { get; set; }

    /// <summary>The signal that asks the process to shut down cleanly (postgres: SIGINT for a fast shutdown).</summary>
    public int StopSignal { get; set; } = Libc.SIGTERM;

    public override string ToString() => string.Join(' ', Arguments.Prepend(FileName));
}
