using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Commerce.Contracts;

namespace Platform.Reports;

/// <summary>Sales in a date range, from the orders service (http://orders).</summary>
internal sealed class OrdersClient(HttpClient http)
{
    public async Task<SalesSummary> SummaryAsync(DateOnly startDate, DateOnly endDate, CancellationToken cancellationToken)
        => (await http.GetFromJsonAsync<SalesSummary>($"/internal/orders/summary?startDate={startDate:O}&endDate={endDate:O}", cancellationToken))!;
}

/// <summary><c>sales_summary</c>: orders placed between the job's dates by outcome, and the confirmed orders' revenue.</summary>
internal sealed class SalesSummaryReport(OrdersClient orders) : IReport
{
    public string Type => "sales_summary";

    public async Task<JsonObject> RunAsync(ReportRun run, CancellationToken cancellationToken)
        => JsonSerializer.SerializeToNode(await orders.SummaryAsync(run.Job.StartDate, run.Job.EndDate, cancellationToken), JsonSerializerOptions.Web)!.AsObject();
}
