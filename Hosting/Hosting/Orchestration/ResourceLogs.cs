namespace Platform.Hosting.Orchestration;

/// <summary>A resource's console output: the last lines in memory, everything in a file under the run's log folder.</summary>
public sealed class ResourceLogs : IDisposable
{
    private const int Capacity = 2000;
    private readonly Queue<string> _lines = new(Capacity);
    private readonly StreamWriter _file;
    private readonly Lock _gate = new();

    public ResourceLogs(string filePath)
    {
        FilePath = filePath;
        _file = new StreamWriter(new FileStream(filePath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
    }

    public string FilePath { get; }

    /// <summary>Raised for every line, after it is stored (live log streaming).</summary>
    public event Action<string>? LineWritten;

    public void Write(string line)
    {
        lock (_gate)
        {
            if (_lines.Count == Capacity)
            {
                _lines.Dequeue();
            }

            _lines.Enqueue(line);
            try
            {
                _file.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // A process can still print while the run shuts down; memory keeps the line.
            }
        }

        LineWritten?.Invoke(line);
    }

    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Dispose();
        }
    }
}
