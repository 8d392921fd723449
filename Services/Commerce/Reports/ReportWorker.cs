using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Resilience;

namespace Platform.Reports;

/// <summary>
/// Runs report jobs one at a time: claims the oldest due job under a lease, runs its report from its checkpoint, and
/// records the result. A failed attempt is retried with the platform's backoff up to <see cref="MaxAttempts"/> times, then
/// the job fails with the reason. Stopping hands a running job back at once (its checkpoint kept); a worker that dies
/// holds it only until its lease runs out.
/// </summary>
internal sealed class ReportWorker(NpgsqlDataSource db, ReportJobs jobs, IEnumerable<IReport> reports, TimeProvider clock, IConfiguration configuration, ILogger<ReportWorker> logger)
    : BackgroundService
{
    public const int MaxAttempts = 3;

    private readonly Dictionary<string, IReport> _reports = reports.ToDictionary(r => r.Type);
    private readonly TimeSpan _pace = TimeSpan.FromSeconds(1 / configuration.GetValue("Reports:PagesPerSecond", 20.0));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var listener = await Notifications.ListenAsync(db, ReportJobs.Channel, stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await jobs.ClaimAsync(stoppingToken) is { } job)
                    {
                        await RunAsync(job, stoppingToken);
                    }
                    else
                    {
                        await jobs.WaitForWorkAsync(listener, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
            }
            catch (Exception e) when (ResilienceRules.IsTransient(e))
            {
                logger.LogWarning("Report jobs are out of reach ({Reason}); trying again.", e.Message);
                await Task.Delay(ResilienceRules.Backoff(1, ResilienceRules.ReconnectCeiling), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task RunAsync(ClaimedJob job, CancellationToken stoppingToken)
    {
        if (!_reports.TryGetValue(job.ReportType, out var report))
        {
            await jobs.FailAsync(job, $"There is no report '{job.ReportType}'.", stoppingToken);
            return;
        }

        if (job.Attempts > MaxAttempts)
        {
            // Its earlier attempts never finished (a worker died each time): it is not tried forever.
            await jobs.FailAsync(job, $"Gave up after {MaxAttempts} attempts that did not finish.", stoppingToken);
            return;
        }

        logger.LogInformation("Report job {JobId} ({ReportType}), attempt {Attempt}{Resumed}", job.Id, job.ReportType, job.Attempts, job.Checkpoint is null ? "" : ", resumed from its checkpoint");
        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewal = RenewLeaseAsync(job, leaseLost);
        try
        {
            await jobs.CompleteAsync(job, await report.RunAsync(new ReportRun(job, jobs, _pace, clock), leaseLost.Token), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await jobs.HandBackAsync(job, CancellationToken.None);
        }
        catch (Exception e) when (e is LeaseLostException || (e is OperationCanceledException && leaseLost.IsCancellationRequested))
        {
            logger.LogWarning("Report job {JobId} was taken over by another worker.", job.Id);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Report job {JobId}, attempt {Attempt} failed.", job.Id, job.Attempts);
            _ = job.Attempts >= MaxAttempts
                ? await jobs.FailAsync(job, $"Gave up after {job.Attempts} attempts: {e.Message}", stoppingToken)
                : await jobs.RetryLaterAsync(job, ResilienceRules.Backoff(job.Attempts, ResilienceRules.ReconnectCeiling), stoppingToken);
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewal;
        }
    }

    /// <summary>Renews the job's lease every third of it while the job runs (a slow call must not let another worker take it); cancels the run when the lease is lost.</summary>
    private async Task RenewLeaseAsync(ClaimedJob job, CancellationTokenSource run)
    {
        try
        {
            while (!run.IsCancellationRequested)
            {
                await Task.Delay(jobs.Lease / 3, clock, run.Token);
                if (!await jobs.RenewAsync(job, run.Token))
                {
                    await run.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (ResilienceRules.IsTransient(e))
        {
            logger.LogWarning("Could not renew the lease of report job {JobId} ({Reason}).", job.Id, e.Message);
        }
    }
}
