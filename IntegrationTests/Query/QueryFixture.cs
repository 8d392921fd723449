using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Platform.Hosting;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// The AppHost's graph with the SQL system and the workspace platform (<c>--Systems=platform,query</c>: users sign up
/// through the registration saga). Queries go through the gateway with a user's token; the tenant nodes are also
/// reached straight at their endpoints, as a client that skipped the operation node would.
/// </summary>
public sealed class QueryFixture : PlatformFixture
{
    private Tokens? _user;
    private Tokens? _otherTenant;

    protected override string[] Arguments => ["--Systems=platform,query", "--RateLimiting:Burst=100000", "--RateLimiting:TokensPerSecond=100000"];

    /// <summary>A signed-up user (one tenant for the collection).</summary>
    public Tokens User => _user ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>A user of another tenant.</summary>
    public Tokens OtherTenant => _otherTenant ?? throw new InvalidOperationException("Not initialised.");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _user = (await Gateway.SignUpAsync()).Tokens;
        _otherTenant = (await Gateway.SignUpAsync()).Tokens;
    }

    /// <summary>Sends one statement; the answer as it came.</summary>
    public async Task<HttpResponseMessage> SendAsync(string sql, string? token = null, int? timeoutMs = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/query") { Content = JsonContent.Create(new { sql, timeoutMs }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? User.AccessToken);
        return await Gateway.SendAsync(request, cancellationToken);
    }

    /// <summary>Runs one statement that must succeed; its JSON answer.</summary>
    public async Task<JsonElement> QueryAsync(string sql, string? token = null)
    {
        using var response = await SendAsync(sql, token);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode} for {sql}: {body}\n{await RecentErrorsAsync()}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Sends rows as CSV to the ingest endpoint under a batch id.</summary>
    public async Task<HttpResponseMessage> IngestAsync(string table, string csv, string batchId, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/query/tables/{table}/rows?batchId={batchId}")
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? User.AccessToken);
        return await Gateway.SendAsync(request);
    }

    /// <summary>Sends rows as CSV that must be stored; a refusal fails the test with the answer and the operation node's last lines.</summary>
    public async Task LoadAsync(string table, string csv, string batchId = "b1", string? token = null)
    {
        using var response = await IngestAsync(table, csv, batchId, token);
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{(int)response.StatusCode} ingesting into {table}: {await response.Content.ReadAsStringAsync()}\n{await RecentErrorsAsync()}");
        }
    }

    /// <summary>CSV text: the header line, then the rows.</summary>
    public static string Csv(string header, IEnumerable<string> rows) => $"{header}\n{string.Join('\n', rows)}\n";

    /// <summary>The table as the catalog holds it (<c>GET /api/query/tables/{table}</c>): partitions, their copies, the stale ones.</summary>
    public async Task<JsonElement> DescribeAsync(string table)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/query/tables/{table}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", User.AccessToken);
        using var response = await Gateway.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} describing {table}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
    }

    /// <summary>The operation node's last console lines, for a failure message.</summary>
    public async Task<string> RecentErrorsAsync() => string.Join('\n', await App.LastLogLinesAsync("query", 40));

    /// <summary>Partition discovery asked of the metadata catalog service itself, skipping the operation node, with the given token.</summary>
    public async Task<HttpResponseMessage> CatalogAsync(string table, string token)
    {
        using var client = App.CreateHttpClient("query-catalog");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/tables?name={Uri.EscapeDataString(table)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    /// <summary>One metric of the tenant nodes from their Prometheus text at <c>/metrics</c>, summed over every series of the three (0 where there is none yet).</summary>
    public async Task<double> NodesMetricAsync(string name) => (await Task.WhenAll(Enumerable.Range(0, 3).Select(async node =>
    {
        using var client = App.CreateHttpClient($"nodes-{node}");
        var text = await client.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }))).Sum();

    /// <summary>A fragment sent straight to one tenant node, skipping the operation node, with the given token.</summary>
    public async Task<HttpResponseMessage> FragmentAsync(int node, string sql, string token)
    {
        using var client = App.CreateHttpClient($"nodes-{node}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fragments")
        {
            Content = JsonContent.Create(new { sql, tables = Array.Empty<object>(), inputs = Array.Empty<object>() }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }
}

[CollectionDefinition(Name)]
public sealed class QueryCollection : ICollectionFixture<QueryFixture>
{
    public const string Name = "query";
}
