using System.Net;
using System.Net.Http.Json;

namespace Platform.Query.Wire;

/// <summary>A signed-in SQL client: its tenant and the access token its fragments carry.</summary>
public sealed record PgIdentity(Guid TenantId, string AccessToken);

/// <summary>
/// Relays a client's SCRAM-SHA-256 messages to the auth service (a typed client on http://auth), which holds the
/// verifiers and issues the tokens: this endpoint never sees a password or a verifier. A refused proof is null (the
/// client's 28P01); a locked-out account and an unreachable auth service are errors of their own.
/// </summary>
public sealed class ScramRelay(HttpClient auth)
{
    private sealed record Started(string Exchange, string ServerFirst);

    private sealed record Finished(string ServerFinal, Guid TenantId, string AccessToken);

    public async Task<(string Exchange, string ServerFirst)?> StartAsync(string email, string clientFirst, CancellationToken cancellationToken)
        => await PostAsync<Started>("/api/auth/scram/start", new { email, clientFirst }, cancellationToken) is { } started
            ? (started.Exchange, started.ServerFirst)
            : null;

    public async Task<(string ServerFinal, PgIdentity Identity)?> FinishAsync(string exchange, string clientFinal, CancellationToken cancellationToken)
        => await PostAsync<Finished>("/api/auth/scram/finish", new { exchange, clientFinal }, cancellationToken) is { } finished
            ? (finished.ServerFinal, new PgIdentity(finished.TenantId, finished.AccessToken))
            : null;

    private async Task<T?> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
        where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await auth.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new SqlStateException("08006", $"the sign-in service is unreachable: {e.Message}");
        }

        using (response)
        {
            return response.StatusCode switch
            {
                HttpStatusCode.OK => await response.Content.ReadFromJsonAsync<T>(cancellationToken),
                HttpStatusCode.TooManyRequests => throw new SqlStateException("28000", "too many failed sign-ins for this account; try again later"),
                >= HttpStatusCode.InternalServerError => throw new SqlStateException("08006", $"the sign-in service answered {(int)response.StatusCode}"),
                _ => null,
            };
        }
    }
}
