using System.Text.Json.Nodes;
using Npgsql;
using Platform.Postgres;

namespace Platform.Reports;

public sealed record ReportJobView(Guid JobId, string ReportType, string Status, int Progress, JsonObject? Result, string? Error, int Attempts);

/// <summary>A job a worker holds: what to report on, and where the last attempt got to.</summary>
internal sealed record ClaimedJob(Guid Id, string ReportType, DateOnly StartDate, DateOnly EndDate, JsonObject? Checkpoint, int Attempts, Guid Lease);

/// <summary>
/// report_jobs: jobs are queued by the API and claimed by workers under a lease (a worker that dies stops renewing it,
/// and the job is claimed again when it runs out); a running job saves its progress and checkpoint as it goes, which
/// renews the lease, and only the lease's holder may save.
/// </summary>
internal sealed class ReportJobs(NpgsqlDataSource db, TimeProvider clock, IConfiguration configuration)
{
    /// <summary>Notified when a job is queued or handed back (a trigger on report_jobs), so idle workers need not look.</summary>
    public const string Channel = "report_jobs";

    /// <summary>
    /// The longest an idle worker waits without news: the net under a notification missed while it reconnected. The
    /// commerce tests set 10 minutes, so a job they see taken up in time was woken by its notification.
    /// </summary>
    private readonly TimeSpan _idleCeiling = configuration.GetValue("Reports:IdleCeiling", TimeSpan.FromSeconds(30));

    public TimeSpan Lease { get; } = configuration.GetValue("Reports:Lease", TimeSpan.FromSeconds(5));

    /// <summary>
    /// Sleeps until a job is queued or handed back, or until the next job falls due: one retried later, or one whose
    /// worker's lease runs out (the worker died).
    /// </summary>
    public Task WaitForWorkAsync(NpgsqlConnection listener, CancellationToken cancellationToken) => Notifications.WaitForNewsOrDueAsync(listener,
        "SELECT EXTRACT(EPOCH FROM min(coalesce(lease_until, now())) - now())::float8 FROM report_jobs WHERE status IN ('queued', 'running')",
        _idleCeiling, cancellationToken);

    public async Task<Guid> QueueAsync(string reportType, DateOnly startDate, DateOnly endDate, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var insert = Sql.Command(connection, null,
            "INSERT INTO report_jobs (id, report_type, start_date, end_date, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'queued', $5, $5)",
            id, reportType, startDate, endDate, clock.GetUtcNow());
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    public async Task<ReportJobView?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var select = Sql.Command(connection, null, "SELECT report_type, status, progress, result, error, attempts FROM report_jobs WHERE id = $1", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ReportJobView(id, reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : JsonNode.Parse(reader.GetString(3)) as JsonObject, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt32(5))
            : null;
    }

    /// <summary>The oldest job that is queued (and due) or whose worker's lease ran out, now leased to the caller.</summary>
    public async Task<ClaimedJob?> ClaimAsync(CancellationToken cancellationToken)
    {
        var lease = Guid.NewGuid();
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var claim = Sql.Command(connection, null,
            """
            UPDATE report_jobs SET status = 'running', attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3
            WHERE id = (SELECT id FROM report_jobs
                        WHERE status IN ('queued', 'running') AND (lease_until IS NULL OR lease_until < $3)
                        ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING id, report_type, start_date, end_date, checkpoint, attempts
            """, lease, now + Lease, now);
        await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ClaimedJob(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<DateOnly>(3),
                reader.IsDBNull(4) ? null : JsonNode.Parse(reader.GetString(4)) as JsonObject, reader.GetInt32(5), lease)
            : null;
    }

    /// <summary>Saves progress and checkpoint and renews the lease; false when the lease was lost (another worker has the job).</summary>
    public Task<bool> SaveAsync(ClaimedJob job, int progress, JsonObject checkpoint, CancellationToken cancellationToken)
        => UpdateAsync(job, "status = 'running', progress = $3, checkpoint = $4::jsonb, lease_until = $5", cancellationToken, progress, checkpoint.ToJsonString(), clock.GetUtcNow() + Lease);

    public Task<bool> CompleteAsync(ClaimedJob job, JsonObject result, CancellationToken cancellationToken)
        => UpdateAsync(job, "status = 'completed', progress = 100, result = $3::jsonb, lease_owner = NULL, lease_until = NULL", cancellationToken, result.ToJsonString());

    public Task<bool> FailAsync(ClaimedJob job, string error, CancellationToken cancellationToken)
        => UpdateAsync(job, "status = 'failed', error = $3, lease_owner = NULL, lease_until = NULL", cancellationToken, error);

    /// <summary>Gives the job back to be tried again after <paramref name="delay"/>, keeping its checkpoint.</summary>
    public Task<bool> RetryLaterAsync(ClaimedJob job, TimeSpan delay, CancellationToken cancellationToken)
        => UpdateAsync(job, "status = 'queued', lease_owner = NULL, lease_until = $3", cancellationToken, clock.GetUtcNow() + delay);

    /// <summary>Gives the job back at once, this attempt not counted (the worker is stopping, the job did not fail).</summary>
    public Task<bool> HandBackAsync(ClaimedJob job, CancellationToken cancellationToken)
        => UpdateAsync(job, "status = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_until = NULL", cancellationToken);

    /// <summary>Extends the lease; false when it was lost.</summary>
    public Task<bool> RenewAsync(ClaimedJob job, CancellationToken cancellationToken)
        => UpdateAsync(job, "lease_until = $3", cancellationToken, clock.GetUtcNow() + Lease);

    private async Task<bool> UpdateAsync(ClaimedJob job, string set, CancellationToken cancellationToken, params object[] values)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var update = Sql.Command(connection, null, $"UPDATE report_jobs SET {set}, updated_at = now() WHERE id = $1 AND lease_owner = $2", [job.Id, job.Lease, .. values]);
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
