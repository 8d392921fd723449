using System.Globalization;
using Platform.ServiceDefaults.Problems;

namespace Platform.Reports;

public sealed record GenerateReportRequest(string? ReportType, string? StartDate, string? EndDate);

public sealed record ReportJobAccepted(Guid JobId, string Status);

/// <summary>
/// <c>POST /api/v1/reports/generate</c> queues a job (202 + Location) and <c>GET /api/v1/reports/status/{jobId}</c>
/// tells how it goes. Without a token only where <c>Commerce:AllowGuests</c> is on.
/// </summary>
internal static class ReportEndpoints
{
    private const int MaxDays = 3660;

    public static void MapReportEndpoints(this WebApplication app)
    {
        app.MapPost("/api/v1/reports/generate", GenerateAsync);
        app.MapGet("/api/v1/reports/status/{jobId:guid}", StatusAsync);
    }

    private static async Task<IResult> GenerateAsync(GenerateReportRequest request, HttpContext http, ReportJobs jobs, IEnumerable<IReport> reports, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!Allowed(http, configuration))
        {
            return Problem.Unauthorized("Sign in to generate reports.");
        }

        var errors = new Dictionary<string, string[]>();
        var types = reports.Select(r => r.Type).Order().ToList();
        if (request.ReportType is null || !types.Contains(request.ReportType))
        {
            errors["reportType"] = [$"One of: {string.Join(", ", types)}."];
        }

        var start = Date(request.StartDate, "startDate", errors);
        var end = Date(request.EndDate, "endDate", errors);
        if (start is { } from && end is { } to && (to < from || to.DayNumber - from.DayNumber > MaxDays))
        {
            errors["endDate"] = [$"On or after startDate, at most {MaxDays} days later."];
        }

        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var id = await jobs.QueueAsync(request.ReportType!, start!.Value, end!.Value, cancellationToken);
        return Results.Accepted($"/api/v1/reports/status/{id}", new ReportJobAccepted(id, "queued"));
    }

    private static async Task<IResult> StatusAsync(Guid jobId, HttpContext http, ReportJobs jobs, IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!Allowed(http, configuration))
        {
            return Problem.Unauthorized("Sign in to read reports.");
        }

        return await jobs.FindAsync(jobId, cancellationToken) is { } job ? Results.Ok(job) : Problem.NotFound($"There is no report job {jobId}.");
    }

    private static bool Allowed(HttpContext http, IConfiguration configuration)
        => http.User.Identity?.IsAuthenticated == true || configuration.GetValue("Commerce:AllowGuests", false);

    private static DateOnly? Date(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date.Year is >= 1970 and <= 2999)
        {
            return date;
        }

        errors[field] = ["A date as yyyy-MM-dd, from 1970 to 2999."];
        return null;
    }
}
