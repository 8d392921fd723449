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
}
