using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>Calls to /api/workspaces as a client makes them: bearer token, JSON, optional If-Match.</summary>
public static class WorkspaceApi
{
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string path, string accessToken, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> JsonAsync(this HttpClient client, string path, string accessToken)
    {
        using var response = await client.SendAsync(HttpMethod.Get, path, accessToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<Guid> CreateWorkspaceAsync(this HttpClient client, string accessToken, string name = "Team space")
    {
        using var created = await client.SendAsync(HttpMethod.Post, "/api/workspaces", accessToken, new { name });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A "tasks" table: title (required text), points (number), done (boolean), due (date).</summary>
    public static async Task<Guid> CreateTasksTableAsync(this HttpClient client, string accessToken, Guid workspaceId)
    {
        using var created = await client.SendAsync(HttpMethod.Post, $"/api/workspaces/{workspaceId}/tables", accessToken, new
        {
            name = "tasks",
            fields = new object[]
            {
                new { name = "title", type = "text", required = true },
                new { name = "points", type = "number", required = false },
                new { name = "done", type = "boolean", required = false },
                new { name = "due", type = "date", required = false },
            },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    public static async Task<Guid> CreateRecordAsync(this HttpClient client, string accessToken, Guid workspaceId, Guid tableId, object values)
    {
        using var created = await client.SendAsync(HttpMethod.Post, $"/api/workspaces/{workspaceId}/tables/{tableId}/records", accessToken, new { values });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Starts the provisioning saga for a workspace from a template (with test-only step faults) and waits until it ends.</summary>
    public static async Task<(JsonElement Status, Guid WorkspaceId)> ProvisionAsync(this HttpClient gateway, string accessToken, string template, object[] members, string? faults = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/workspaces") { Content = JsonContent.Create(new { name = "Provisioned", template, members }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        if (faults is not null)
        {
            request.Headers.Add(Platform.Sagas.SagaFaults.HeaderName, faults);
        }

        using var response = await gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var workspaceId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("workspaceId").GetGuid();
        var status = await Eventually.ReturnsAsync(
            () => gateway.JsonAsync(response.Headers.Location!.ToString(), accessToken),
            s => s.GetProperty("status").GetString() != "pending", TimeSpan.FromSeconds(60), "provisioning finishes");
        return (status, workspaceId);
    }

    public static string? ETag(this HttpResponseMessage response) => response.Headers.ETag?.Tag;
}
