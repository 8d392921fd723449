using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Query.Contracts;
using Platform.Query.Execution;

namespace Platform.Query.Catalog;

/// <summary>
/// The metadata catalog service (<c>query-catalog</c>), asked with the user's own token: the catalog takes the tenant from
/// it, so a tenant reads and changes only its own tables there. No call is retried here (a create or an ingest record
/// is not safe to send twice); a catalog that cannot be reached or fails is a 503 <see cref="QueryFailedException"/>,
/// and the client sends its statement or batch again.
/// </summary>
public sealed class CatalogClient(HttpClient http)
{
    public async Task<IReadOnlyDictionary<string, TableInfo>> FindAsync(string token, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return new Dictionary<string, TableInfo>();
        }

        var query = string.Join('&', names.Select(n => $"name={Uri.EscapeDataString(n)}"));
        using var response = await SendAsync(HttpMethod.Get, $"/tables?{query}", null, token, cancellationToken);
        var tables = (await response.Content.ReadFromJsonAsync<List<CatalogTable>>(cancellationToken))!;
        return tables.ToDictionary(t => t.Name, ToInfo);
    }

    public async Task<TableInfo?> FindAsync(string token, string name, CancellationToken cancellationToken)
        => (await FindAsync(token, [name], cancellationToken)).GetValueOrDefault(name);

    /// <summary>Adds the table and places its partitions on <paramref name="nodes"/>; false when the tenant has one of that name.</summary>
    public async Task<bool> CreateAsync(string token, TableInfo table, IReadOnlyList<string> nodes, IReadOnlyList<string> unready, CancellationToken cancellationToken)
    {
        var request = new CreateTableRequest(new CatalogTable(table.Name, table.Schema, table.Method, table.PartitionColumn, table.Partitions, table.Bounds, []), nodes, unready);
        using var response = await SendAsync(HttpMethod.Post, "/tables", JsonContent.Create(request), token, cancellationToken, HttpStatusCode.Conflict);
        return response.StatusCode != HttpStatusCode.Conflict;
    }

    /// <summary>Removes the table from the catalog; false when the tenant has no table of that name.</summary>
    public async Task<bool> DropAsync(string token, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, Table(name), null, token, cancellationToken, HttpStatusCode.NotFound);
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    /// <summary>The nodes that missed a DROP TABLE of <paramref name="name"/> and may still hold its rows.</summary>
    public async Task<IReadOnlyList<string>> MissedDropsAsync(string token, string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"{Table(name)}/missed-drops", null, token, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<List<string>>(cancellationToken))!;
    }

    /// <summary>Records the nodes that missed a DROP TABLE (<paramref name="missed"/>) and forgets those that have now done it (<paramref name="done"/>).</summary>
    public async Task RecordDropsAsync(string token, string name, IReadOnlyList<string> missed, IReadOnlyList<string> done, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{Table(name)}/drops", JsonContent.Create(new DropsRequest(missed, done)), token, cancellationToken);
    }

    /// <summary>What an ingest left in each partition it reached (one transaction in the catalog).</summary>
    public async Task RecordIngestAsync(string token, string table, IReadOnlyList<PartitionIngested> partitions, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{Table(table)}/ingests", JsonContent.Create(new IngestRecord(partitions)), token, cancellationToken);
    }

    /// <summary>Marks a caught-up copy fresh if no ingest has found a copy down since <paramref name="misses"/> was read; true when marked.</summary>
    public async Task<bool> MarkFreshAsync(string token, string table, int partition, string node, long misses, PartitionStats? stats, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, $"{Table(table)}/partitions/{partition}/fresh", JsonContent.Create(new FreshRequest(node, misses, stats)), token, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<FreshResult>(cancellationToken))!.Marked;
    }

    private static string Table(string name) => $"/tables/{Uri.EscapeDataString(name)}";

    private static TableInfo ToInfo(CatalogTable table)
        => new(table.Name, [.. table.Columns.Select(c => new TableColumn(c.Name, TableInfo.ParseType(c.Type)))], table.Method, table.PartitionColumn, table.Partitions,
            table.Bounds, [.. table.PartitionList.Select(p => new PartitionInfo(p.Index, p.Nodes, p.Stale, p.Stats, p.Misses))]);

    /// <summary>Sends one call; a success or one of the <paramref name="expected"/> statuses is the answer, anything else a <see cref="QueryFailedException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, string token, CancellationToken cancellationToken, params HttpStatusCode[] expected)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content, Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new QueryFailedException(503, $"The metadata catalog is unavailable: {e.Message}");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QueryFailedException(503, $"The metadata catalog did not answer in time: {e.Message}");
        }

        if (response.IsSuccessStatusCode || expected.Contains(response.StatusCode))
        {
            return response;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            throw status is 401 or 403
                ? new QueryFailedException(status, $"The metadata catalog refused the token ({status}).")
                : new QueryFailedException(status >= 500 ? 503 : 400, $"The metadata catalog answered {status}: {await NodeClient.ProblemDetailAsync(response, cancellationToken)}");
        }
    }
}
