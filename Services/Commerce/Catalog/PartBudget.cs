namespace Platform.Catalog;

/// <summary>What a downstream call gave within its budget: its answer, or nothing (it failed, or did not answer in time).</summary>
internal readonly record struct Part<T>(bool Answered, T? Value);

/// <summary>
/// Runs one downstream call of a fan-out under the catalog's time budget: <c>Commerce:DownstreamBudget</c> (1 s) for one
/// product, <c>Commerce:BulkBudget</c> (3 s) for a bulk check of up to 500. A call that fails or overruns is reported missing, so the caller degrades that part instead of failing or
/// hanging the whole request; only the client going away cancels the request itself.
/// </summary>
internal sealed class PartBudget(TimeProvider time, IConfiguration configuration, ILogger<PartBudget> logger)
{
    private readonly TimeSpan _single = configuration.GetValue("Commerce:DownstreamBudget", TimeSpan.FromSeconds(1));
    private readonly TimeSpan _bulk = configuration.GetValue("Commerce:BulkBudget", TimeSpan.FromSeconds(3));

    public async Task<Part<T>> CallAsync<T>(string part, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool bulk = false)
    {
        var budget = bulk ? _bulk : _single;
        using var timeout = new CancellationTokenSource(budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return new Part<T>(true, await call(linked.Token));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever went wrong downstream (refused, a 5xx, an open circuit, the budget) costs this part, not the request.
            logger.LogWarning("The product's {Part} part is missing: {Reason}", part, timeout.IsCancellationRequested ? $"no answer within {budget.TotalMilliseconds} ms" : e.Message);
            return new Part<T>(false, default);
        }
    }
}
