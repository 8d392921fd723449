using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Platform.IntegrationTests.Chaos;

/// <summary>
/// Load against the platform while faults come and go, bucketed per second, with the fault marks: the timeline a chaos
/// scenario writes to its test output and to artifacts/chaos/&lt;scenario&gt;.json.
/// </summary>
public sealed class ChaosRun(string scenario, ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<int, (int Ok, int Failed)> _seconds = new();
    private readonly ConcurrentQueue<(double At, string Mark)> _marks = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _workers = [];

    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(100);

    public double Now => _clock.Elapsed.TotalSeconds;

    public void Mark(string what)
    {
        _marks.Enqueue((Now, what));
        output.WriteLine($"{Now,7:0.00}s  {what}");
    }

    /// <summary>
    /// Starts <paramref name="workers"/> loops of <paramref name="operation"/> (true = success) until <see cref="StopLoadAsync"/>,
    /// each followed by a 100 ms pause, so a test user stays under the gateway's rate limit (50/s per user).
    /// </summary>
    public void StartLoad(int workers, Func<int, CancellationToken, Task<bool>> operation)
    {
        for (var w = 0; w < workers; w++)
        {
            var worker = w;
            _workers.Add(Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    bool ok;
                    try
                    {
                        ok = await operation(worker, _stop.Token);
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                    {
                        _failures.Enqueue(e.GetType().Name);
                        ok = false;
                    }

                    Record(ok);
                    try
                    {
                        await Task.Delay(Pace, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }));
        }
    }

    public void Record(bool ok)
    {
        var second = (int)Now;
        _seconds.AddOrUpdate(second, ok ? (1, 0) : (0, 1), (_, c) => ok ? (c.Ok + 1, c.Failed) : (c.Ok, c.Failed + 1));
    }

    public async Task StopLoadAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public (int Ok, int Failed) Totals(double from = 0, double to = double.MaxValue)
    {
        var selected = _seconds.Where(s => s.Key >= from && s.Key < to).Select(s => s.Value).ToList();
        return (selected.Sum(s => s.Ok), selected.Sum(s => s.Failed));
    }

    /// <summary>Seconds from <paramref name="healedAt"/> to the start of the first second after which no request failed.</summary>
    public double RecoverySeconds(double healedAt)
    {
        var lastFailure = _seconds.Where(s => s.Value.Failed > 0 && s.Key >= (int)healedAt).Select(s => (double?)s.Key + 1).Max();
        return Math.Max(0, (lastFailure ?? healedAt) - healedAt);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopLoadAsync();
        }

        var timeline = new StringBuilder($"timeline of {scenario} (second: ok/failed)\n");
        foreach (var (second, counts) in _seconds.OrderBy(s => s.Key))
        {
            var marks = string.Join("; ", _marks.Where(m => (int)m.At == second).Select(m => m.Mark));
            timeline.AppendLine($"  {second,4}s  {counts.Ok,5} ok {counts.Failed,5} failed  {marks}");
        }

        output.WriteLine(timeline.ToString());
        await File.WriteAllTextAsync(Artifacts.PathFor("chaos", scenario + ".json"), JsonSerializer.Serialize(new
        {
            scenario,
            marks = _marks.Select(m => new { at = Math.Round(m.At, 2), m.Mark }),
            seconds = _seconds.OrderBy(s => s.Key).Select(s => new { second = s.Key, ok = s.Value.Ok, failed = s.Value.Failed }),
            clientErrors = _failures.GroupBy(f => f).ToDictionary(g => g.Key, g => g.Count()),
        }, Indented));
        _stop.Dispose();
    }
}
