using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Apache.Arrow;
using Platform.Query.Contracts;

namespace Platform.Query.Execution;

/// <summary>
/// Calls to one tenant node with the caller's own token (the node checks it and opens only that tenant's database).
/// A node that cannot be reached or fails (5xx) is a <see cref="NodeDownException"/>; one that refuses the SQL (4xx) is a
/// <see cref="QueryFailedException"/> with its message.
/// </summary>
public sealed class NodeClient(IHttpClientFactory clients, TenantNodes nodes)
{
    public const string HttpClientName = "nodes";

    public Task<(Schema Schema, List<RecordBatch> Batches)> RunFragmentAsync(string node, FragmentRequest fragment, string token, CancellationToken cancellationToken)
        => WatchedAsync(node, async watched =>
        {
            using var request = Request(HttpMethod.Post, node, "/fragments", token);
            request.Content = JsonContent.Create(fragment);
            using var response = await SendAsync(node, request, watched);
            await using var body = await response.Content.ReadAsStreamAsync(watched);
            return await ArrowRows.ReadAllAsync(body, watched);
        }, cancellationToken);

    /// <summary>Sends an ingest request already serialized (<see cref="Serialize"/>): the same bytes go to both copies of a partition.</summary>
    public Task<IngestResult> IngestAsync(string node, byte[] ingest, string token, CancellationToken cancellationToken)
        => WatchedAsync(node, async watched =>
        {
            using var request = Request(HttpMethod.Post, node, "/ingest", token);
            request.Content = new ByteArrayContent(ingest) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            using var response = await SendAsync(node, request, watched);
            return (await response.Content.ReadFromJsonAsync<IngestResult>(watched))!;
        }, cancellationToken);

    public Task DropAsync(string node, string table, string token, CancellationToken cancellationToken)
        => WatchedAsync(node, async watched =>
        {
            using var request = Request(HttpMethod.Delete, node, $"/tables/{Uri.EscapeDataString(table)}", token);
            using var response = await SendAsync(node, request, watched);
            return true;
        }, cancellationToken);

    /// <summary>The batches a partition's copy on <paramref name="node"/> has taken.</summary>
    public Task<IReadOnlyList<string>> BatchesAsync(string node, string table, int partition, string token, CancellationToken cancellationToken)
        => WatchedAsync(node, async watched =>
        {
            using var request = Request(HttpMethod.Get, node, $"/partitions/{Uri.EscapeDataString(table)}/{partition}/batches", token);
            using var response = await SendAsync(node, request, watched);
            return (await response.Content.ReadFromJsonAsync<PartitionBatches>(watched))!.Batches;
        }, cancellationToken);

    /// <summary>One batch's rows in a partition's copy on <paramref name="node"/>, as the Arrow IPC stream an ingest takes.</summary>
    public Task<byte[]> BatchRowsAsync(string node, string table, int partition, string batchId, string token, CancellationToken cancellationToken)
        => WatchedAsync(node, async watched =>
        {
            using var request = Request(HttpMethod.Get, node, $"/partitions/{Uri.EscapeDataString(table)}/{partition}/batches/{Uri.EscapeDataString(batchId)}", token);
            using var response = await SendAsync(node, request, watched);
            return await response.Content.ReadAsByteArrayAsync(watched);
        }, cancellationToken);

    /// <summary>A call that ends as <see cref="NodeDownException"/> when the node goes down under it or cuts its answer off.</summary>
    private async Task<T> WatchedAsync<T>(string node, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var watched = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, nodes.Watch(node));
        try
        {
            return await call(watched.Token);
        }
        catch (IOException e)
        {
            throw new NodeDownException(node, e); // a node failing after it began streaming drops the connection
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NodeDownException(node, e);
        }
    }

    public static byte[] Serialize(IngestRequest ingest) => JsonSerializer.SerializeToUtf8Bytes(ingest, JsonSerializerOptions.Web);

    private static HttpRequestMessage Request(HttpMethod method, string node, string path, string token) => new(method, new Uri(TenantNodes.Address(node), path))
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    private async Task<HttpResponseMessage> SendAsync(string node, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new NodeDownException(node, e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if ((int)response.StatusCode >= 500)
            {
                throw new NodeDownException(node, new HttpRequestException($"{node} answered {(int)response.StatusCode}.", null, response.StatusCode));
            }

            var detail = await ProblemDetailAsync(response, cancellationToken);
            throw new QueryFailedException(response.StatusCode == HttpStatusCode.Conflict ? 409 : response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? (int)response.StatusCode : 400, detail);
        }
    }

    /// <summary>The <c>detail</c> of a problem+json answer (the whole body when it is not one): what a service said was wrong.</summary>
    internal static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(text);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? text : text;
        }
        catch (JsonException)
        {
            return text;
        }
    }
}

/// <summary>A tenant node that could not be reached or failed: its work goes to the partitions' other copies.</summary>
public sealed class NodeDownException(string node, Exception inner) : Exception($"Tenant node {node} failed: {inner.Message}", inner);
