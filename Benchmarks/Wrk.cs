using System.Globalization;
using System.Text.RegularExpressions;
using Platform.Hosting.Infrastructure;

namespace Platform.Benchmarks;

/// <summary>
/// Debian's wrk as the closed-loop load generator: a small C process, so the figures are the server's and not those of
/// a .NET client sharing its two cores (the in-process HttpClient loop it replaced spent about half the machine on
/// itself). Runs to its duration through <see cref="OneShotProcess"/>, which kills it if it overruns.
/// </summary>
internal static partial class Wrk
{
    private const string Path = "/usr/bin/wrk";

    /// <summary>Each connection sends its next request as soon as the last one is answered.</summary>
    public static Task<(double Rate, double P50, double P99)> ClosedLoopAsync(Uri url, int connections, TimeSpan duration)
        => RunAsync(url, connections, duration, script: null);

    /// <summary>
    /// Each connection waits between an answer and its next request, so the connections together offer about
    /// <paramref name="perSecond"/> requests (wrk's <c>delay()</c> hook, whole milliseconds). A path that cannot keep up
    /// slows down instead of queueing, so read its achieved rate next to its latency.
    /// </summary>
    public static async Task<(double Rate, double P50, double P99)> PacedAsync(Uri url, int connections, double perSecond, TimeSpan duration)
    {
        var script = System.IO.Path.GetTempFileName();
        try
        {
            var pause = PauseMilliseconds(connections, perSecond);
            await File.WriteAllTextAsync(script, $"function delay() return {pause} end\n");
            return await RunAsync(url, connections, duration, script);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>The pause each connection takes between an answer and its next request to offer about <paramref name="perSecond"/>.</summary>
    public static int PauseMilliseconds(int connections, double perSecond) => Math.Max(1, (int)Math.Round(connections * 1000 / perSecond));

    private static async Task<(double Rate, double P50, double P99)> RunAsync(Uri url, int connections, TimeSpan duration, string? script)
    {
        if (!File.Exists(Path))
        {
            throw new InvalidOperationException("wrk is not installed: apt-get install wrk (or ./platform setup bench).");
        }

        List<string> arguments = ["-t2", $"-c{connections}", $"-d{(int)duration.TotalSeconds}s", "--latency"];
        if (script is not null)
        {
            arguments.AddRange(["-s", script]);
        }

        var limit = duration + TimeSpan.FromSeconds(30);
        using var overrun = new CancellationTokenSource(limit);
        string text;
        try
        {
            text = await OneShotProcess.RunAsync([Path, .. arguments, url.ToString()], Environment.CurrentDirectory, overrun.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"wrk ran past {limit} against {url}; it was killed.");
        }

        if (NonSuccess().Match(text) is { Success: true } failed)
        {
            throw new InvalidOperationException($"wrk against {url}: {failed.Value}\n{text}");
        }

        return (Number(RequestsPerSecond(), text), Latency("50", text), Latency("99", text));
    }

    private static double Number(Regex pattern, string text) =>
        double.Parse(pattern.Match(text) is { Success: true } m ? m.Groups[1].Value : throw new FormatException($"wrk printed no {pattern}:\n{text}"), CultureInfo.InvariantCulture);

    /// <summary>A percentile from wrk's latency distribution, in milliseconds (wrk prints us, ms or s).</summary>
    private static double Latency(string percentile, string text)
    {
        var match = Regex.Match(text, $@"^\s*{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!match.Success)
        {
            throw new FormatException($"wrk printed no {percentile}th percentile:\n{text}");
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses: \d+|Socket errors: .*")]
    private static partial Regex NonSuccess();
}
