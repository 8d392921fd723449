using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>Seed 002's async processing: report jobs submitted, polled, and surviving their worker's death.</summary>
[Collection(CommerceCollection.Name)]
[Trait("Category", "commerce")]
public sealed class ReportTests(CommerceFixture commerce)
{
    private HttpClient Gateway => commerce.Gateway;

    [Fact]
    public async Task An_inventory_summary_is_queued_then_reports_the_stock_of_every_product()
    {
        var location = await GenerateAsync("inventory_summary");
        var seen = new HashSet<int>();
        var job = await Eventually.ReturnsAsync(() => Gateway.GetFromJsonAsync<JsonElement>(location), j =>
        {
            seen.Add(j.GetProperty("progress").GetInt32());
            return j.GetProperty("status").GetString() is "completed" or "failed";
        }, TimeSpan.FromSeconds(60), "the report completes");

        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(100, job.GetProperty("progress").GetInt32());
        Assert.Contains(seen, p => p is > 0 and < 100); // it reported progress on the way
        await AssertInventoryTotalsAsync(job.GetProperty("result"));
    }

    [Fact]
    public async Task A_sales_summary_counts_the_orders_placed_between_its_dates()
    {
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        using var response = await Gateway.PostAsJsonAsync("/api/v1/reports/generate", new { reportType = "sales_summary", startDate = today, endDate = today });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = await Eventually.ReturnsAsync(() => Gateway.GetFromJsonAsync<JsonElement>(response.Headers.Location!),
            j => j.GetProperty("status").GetString() == "completed", TimeSpan.FromSeconds(30), "the report completes");

        var result = job.GetProperty("result");
        Assert.Equal(await commerce.QueryScalarAsync<long>("ordersdb", "SELECT count(*) FROM orders WHERE created_at >= current_date AT TIME ZONE 'UTC'"), result.GetProperty("orders").GetInt64());
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_midway_is_taken_up_again_after_the_restart_and_counts_each_product_once()
    {
        var location = await GenerateAsync("inventory_summary");
        await Eventually.ReturnsAsync(() => Gateway.GetFromJsonAsync<JsonElement>(location),
            j => j.GetProperty("progress").GetInt32() is > 0 and < 60, TimeSpan.FromSeconds(30), "the job is under way");
        await commerce.Commands.KillAsync("reports");
        await commerce.Commands.StartAsync("reports");

        var job = await Eventually.ReturnsAsync(() => Gateway.GetFromJsonAsync<JsonElement>(location),
            j => j.GetProperty("status").GetString() is "completed" or "failed", TimeSpan.FromSeconds(60), "the job completes after the restart");
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.True(job.GetProperty("attempts").GetInt32() >= 2, "the job was claimed again after the kill");
        await AssertInventoryTotalsAsync(job.GetProperty("result"));
    }

    public static TheoryData<string> BadRequests => new()
    {
        """{"reportType": "everything", "startDate": "2024-01-01", "endDate": "2024-12-31"}""",
        """{"reportType": "inventory_summary", "startDate": "01/01/2024", "endDate": "2024-12-31"}""",
        """{"reportType": "inventory_summary", "startDate": "2024-12-31", "endDate": "2024-01-01"}""",
        """{"reportType": "sales_summary", "startDate": "2024-02-30", "endDate": "2024-03-01"}""",
        """{"reportType": "sales_summary"}""",
        "not json",
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_malformed_report_request_is_a_400_problem_and_queues_nothing(string body)
    {
        var before = await commerce.QueryScalarAsync<long>("reportsdb", "SELECT count(*) FROM report_jobs");
        using var response = await Gateway.PostAsync("/api/v1/reports/generate", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        await response.AssertProblemAsync(400);
        Assert.Equal(before, await commerce.QueryScalarAsync<long>("reportsdb", "SELECT count(*) FROM report_jobs"));
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem()
    {
        using var response = await Gateway.GetAsync($"/api/v1/reports/status/{Guid.NewGuid()}");
        await response.AssertProblemAsync(404, "not-found");
    }

    private async Task<Uri> GenerateAsync(string reportType)
    {
        using var response = await Gateway.PostAsJsonAsync("/api/v1/reports/generate", new { reportType, startDate = "2024-01-01", endDate = "2024-12-31" });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("queued", accepted.GetProperty("status").GetString());
        Assert.Equal($"/api/v1/reports/status/{accepted.GetProperty("jobId").GetGuid()}", response.Headers.Location?.OriginalString);
        return response.Headers.Location!;
    }

    private async Task AssertInventoryTotalsAsync(JsonElement result)
    {
        Assert.Equal(await commerce.QueryScalarAsync<long>("catalogdb", "SELECT count(*) FROM products"), result.GetProperty("products").GetInt64());
        Assert.Equal(await commerce.QueryScalarAsync<long>("inventorydb", "SELECT sum(available) FROM stock"), result.GetProperty("unitsAvailable").GetInt64());
        Assert.Equal(await commerce.QueryScalarAsync<long>("inventorydb", "SELECT sum(reserved) FROM stock"), result.GetProperty("unitsReserved").GetInt64());
    }
}
