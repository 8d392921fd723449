namespace Platform.Query.Execution;

/// <summary>
/// At most <c>Query:MaxConcurrent</c> (8) queries execute at once on this operation node; the rest wait their turn
/// within their own budget. Past that many, more at once only slows every query down and starves the nodes' and the
/// catalog's answers (on two cores, 100 at once timed out catalog reads and health probes).
/// </summary>
public sealed class QueryAdmission(IConfiguration configuration) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(configuration.GetValue("Query:MaxConcurrent", 8));

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
