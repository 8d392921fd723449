using System.Net.Http.Json;

namespace Platform.Query.Wire;

/// <summary>A signed-in SQL client: its tenant and the access token its fragments carry.</summary>
public sealed record PgIdentity(Guid TenantId, string AccessToken);

/// <summary>
/// Relays a client's SCRAM-SHA-256 messages to the auth service, which holds the verifiers and issues the tokens: this
/// endpoint never sees a password or a verifier.
/// </summary>
public sealed class ScramRelay(IHttpClientFactory clients)
{
    private sealed record Started(string Exchange, string ServerFirst);

    private sealed record Finished(string ServerFinal, Guid TenantId, string AccessToken);

    public async Task<(string Exchange, string ServerFirst)?> StartAsync(string email, string clientFirst, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient().PostAsJsonAsync(new Uri("http://auth/api/auth/scram/start"), new { email, clientFirst }, cancellationToken);
        return response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<Started>(cancellationToken) is { } started
            ? (started.Exchange, started.ServerFirst)
            : null;
    }

    public async Task<(string ServerFinal, PgIdentity Identity)?> FinishAsync(string exchange, string clientFinal, CancellationToken cancellationToken)
    {
        using var response = await clients.CreateClient().PostAsJsonAsync(new Uri("http://auth/api/auth/scram/finish"), new { exchange, clientFinal }, cancellationToken);
        return response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<Finished>(cancellationToken) is { } finished
            ? (finished.ServerFinal, new PgIdentity(finished.TenantId, finished.AccessToken))
            : null;
    }
}
