using System.Text.Json.Nodes;

namespace Platform.Reports;

/// <summary>A kind of report (<c>reportType</c>): what it computes, from the checkpoint of an earlier attempt when there is one.</summary>
internal interface IReport
{
    string Type { get; }

    Task<JsonObject> RunAsync(ReportRun run, CancellationToken cancellationToken);
}

public sealed class LeaseLostException() : Exception("Another worker holds this job now.");

/// <summary>
/// One attempt at a job, as a report sees it. <see cref="SaveAsync"/> records progress and a checkpoint (and renews the
/// worker's lease), then paces the job at <c>Reports:PagesPerSecond</c> (20 by default) so that a large report does not
/// crowd out the services it reads from.
/// </summary>
internal sealed class ReportRun(ClaimedJob job, ReportJobs jobs, TimeSpan pace, TimeProvider clock)
{
    public ClaimedJob Job => job;

    public async Task SaveAsync(int progress, JsonObject checkpoint, CancellationToken cancellationToken)
    {
        if (!await jobs.SaveAsync(job, progress, checkpoint, cancellationToken))
        {
            throw new LeaseLostException();
        }

        await Task.Delay(pace, clock, cancellationToken);
    }
}
