using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Sagas;

namespace Platform.IntegrationTests.Sagas;

/// <summary>Registrations with injected step faults, and what every database holds about them afterwards.</summary>
public static class SagaTestClient
{
    public static async Task<Uri> RegisterAsync(this PlatformFixture platform, string email, string? faults = null, string? correlationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register")
        {
            Content = JsonContent.Create(new { email, password = PlatformClient.Password, displayName = "Saga User" }),
        };
        if (faults is not null)
        {
            request.Headers.Add(SagaFaults.HeaderName, faults);
        }

        if (correlationId is not null)
        {
            request.Headers.Add("X-Correlation-Id", correlationId);
        }

        using var response = await platform.Gateway.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return response.Headers.Location!;
    }

    public static Task<JsonElement> FinishedAsync(this PlatformFixture platform, Uri location, TimeSpan timeout)
        => Eventually.ReturnsAsync(
            () => platform.Gateway.GetFromJsonAsync<JsonElement>(location),
            r => r.GetProperty("status").GetString() != "pending", timeout, $"registration {location} finishes");

    public static Guid RegistrationId(Uri location) => Guid.Parse(location.ToString().Split('/')[^1]);

    /// <summary>The ids the saga chose (kept in its state even when the registration failed).</summary>
    public static async Task<(Guid UserId, Guid TenantId, Guid WorkspaceId)> SagaIdsAsync(this PlatformFixture platform, Guid sagaId)
    {
        var data = JsonDocument.Parse(await platform.QueryScalarAsync<string>("authdb", $"SELECT data::text FROM sagas WHERE id = '{sagaId}'")).RootElement;
        return (data.GetProperty("userId").GetGuid(), data.GetProperty("tenantId").GetGuid(), data.GetProperty("workspaceId").GetGuid());
    }

    /// <summary>Everything a registration may have left in any database, by table.</summary>
    public static async Task<Dictionary<string, long>> LeftoversAsync(this PlatformFixture platform, Guid sagaId)
    {
        var (userId, tenantId, workspaceId) = await platform.SagaIdsAsync(sagaId);
        var probes = new (string Database, string Table, string Sql)[]
        {
            ("authdb", "accounts", $"SELECT count(*) FROM accounts WHERE id = '{userId}'"),
            ("authdb", "tenants", $"SELECT count(*) FROM tenants WHERE id = '{tenantId}'"),
            ("usersdb", "profiles", $"SELECT count(*) FROM profiles WHERE user_id = '{userId}'"),
            ("usersdb", "my_workspaces", $"SELECT count(*) FROM my_workspaces WHERE user_id = '{userId}' OR workspace_id = '{workspaceId}'"),
            ("workspacesdb", "mt_streams", $"SELECT count(*) FROM mt_streams WHERE id = '{workspaceId}'"),
            ("workspacesdb", "mt_events", $"SELECT count(*) FROM mt_events WHERE stream_id = '{workspaceId}'"),
            ("workspacesdb", "mt_doc_workspace", $"SELECT count(*) FROM mt_doc_workspace WHERE id = '{workspaceId}'"),
            ("workspacesdb", "workspaces_view", $"SELECT count(*) FROM workspaces_view WHERE id = '{workspaceId}'"),
            ("workspacesdb", "workspace_members", $"SELECT count(*) FROM workspace_members WHERE workspace_id = '{workspaceId}'"),
        };
        var counts = new Dictionary<string, long>();
        foreach (var (database, table, sql) in probes)
        {
            counts[$"{database}.{table}"] = await platform.QueryScalarAsync<long>(database, sql);
        }

        return counts;
    }
}
