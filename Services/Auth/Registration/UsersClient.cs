using System.Net.Http.Headers;
using Platform.Auth.Tokens;

namespace Platform.Auth.Registration;

/// <summary>The users service's internal API, called with the auth service's own service token.</summary>
internal sealed class UsersClient(HttpClient http, TokenService tokens)
{
    public async Task CreateProfileAsync(Guid userId, Guid tenantId, string email, string displayName, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/internal/users/{userId}")
        {
            Content = JsonContent.Create(new { userId, tenantId, email, displayName }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.ServiceToken());
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
