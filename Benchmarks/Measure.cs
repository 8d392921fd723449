using System.Diagnostics;
using System.Globalization;
using Platform.Hosting.Processes;

namespace Platform.Benchmarks;

/// <summary>Timing and memory helpers shared by the benchmark suites.</summary>
internal static class Measure
{
    /// <summary>p50/p99 of <paramref name="runs"/> sequential calls, after one warm-up call.</summary>
    public static async Task<(double P50, double P99)> LatencyAsync(int runs, Func<int, Task> operation)
    {
        await operation(-1);
        var samples = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(i);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return Percentiles(samples);
    }

    public static (double P50, double P99) Percentiles(IReadOnlyCollection<double> samples)
    {
        var sorted = samples.Order().ToArray();
        return (Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    /// <summary>The <paramref name="quantile"/> of samples sorted ascending (nearest rank); 0 when there are none.</summary>
    public static double Percentile(double[] sorted, double quantile)
        => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * quantile))];

    /// <summary>The machine's CPU time so far from /proc/stat, in clock ticks: (busy, total) over every core.</summary>
    public static (double Busy, double Total) MachineCpu()
    {
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        var idle = ticks[3] + ticks[4]; // idle + iowait
        return (ticks.Sum() - idle, ticks.Sum());
    }

    /// <summary>The resident memory of the largest process in <paramref name="pid"/>'s tree.</summary>
    public static double LargestRssMegabytes(int pid)
    {
        var children = File.Exists($"/proc/{pid}/task/{pid}/children")
            ? File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture))
            : [];
        return children.Select(LargestRssMegabytes).Append(PeakMemory.ResidentMegabytes(pid)).Max();
    }
}
