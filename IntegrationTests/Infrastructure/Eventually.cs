namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Polls a condition until it holds or the deadline passes: the only way tests wait.</summary>
public static class Eventually
{
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        T last = default!;
        while (!deadline.IsCancellationRequested)
        {
            try
            {
                last = await probe();
                if (condition(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100, CancellationToken.None);
        }

        throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:0.#} s (last value: {last}).");
    }

    /// <summary>
    /// Reads a value until two reads <paramref name="apart"/> agree: what background work (the storage reaper, the
    /// repair) changes has drained, so a test can measure from it.
    /// </summary>
    public static async Task<T> SettledAsync<T>(Func<Task<T>> probe, TimeSpan apart, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var last = await probe();
        while (!deadline.IsCancellationRequested)
        {
            await Task.Delay(apart, CancellationToken.None);
            var now = await probe();
            if (EqualityComparer<T>.Default.Equals(last, now))
            {
                return now;
            }

            last = now;
        }

        throw new TimeoutException($"{what} did not settle within {timeout.TotalSeconds:0.#} s (last value: {last}).");
    }
}
