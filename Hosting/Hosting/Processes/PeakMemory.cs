using System.Globalization;

namespace Platform.Hosting.Processes;

/// <summary>
/// A process's resident memory (VmRSS from /proc), now and at its peak while something runs: sampled every 100 ms
/// from creation until <see cref="Stop"/>. Benchmarks print it; the large-file tests bound it.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<double> _peak;

    public PeakMemory(int pid) => _peak = Task.Run(async () =>
    {
        var peak = 0.0;
        while (!_stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, ResidentMegabytes(pid));
            await Task.Delay(100, CancellationToken.None);
        }

        return peak;
    });

    /// <summary>The process's resident memory now, in MiB (0 once it is gone).</summary>
    public static double ResidentMegabytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Stops sampling; the peak in MiB.</summary>
    public double Stop()
    {
        _stop.Cancel();
        return _peak.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
