using Platform.Postgres;

namespace Platform.Reports;

/// <summary>reportsdb migrations, applied in order at startup (append only).</summary>
internal static class ReportsSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE report_jobs (
          id uuid PRIMARY KEY,
          report_type text NOT NULL,
          start_date date NOT NULL,
          end_date date NOT NULL,
          status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed')),
          progress int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
          checkpoint jsonb,
          result jsonb,
          error text,
          attempts int NOT NULL DEFAULT 0,
          lease_owner uuid,
          lease_until timestamptz,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL);
        CREATE INDEX report_jobs_open ON report_jobs (created_at) WHERE status IN ('queued', 'running');
        """,
        // Workers wait for news of a job to run (queued, or handed back) instead of looking every second.
        Notifications.TriggerSql("report_jobs", ReportJobs.Channel, "AFTER INSERT OR UPDATE OF status ON report_jobs FOR EACH ROW WHEN (NEW.status = 'queued')"),
    ];
}
