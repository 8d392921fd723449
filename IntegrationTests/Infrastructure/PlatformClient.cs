using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Infrastructure;

public sealed record Tokens(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType);

public sealed record Registration(Guid RegistrationId, string Status, Guid? UserId, Guid? TenantId, string? Error);

/// <summary>What a client of the platform does through the gateway, in the words of the API.</summary>
public static class PlatformClient
{
    public const string Password = "correct horse battery staple";

    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient gateway, string email, string password = Password)
        => gateway.PostAsJsonAsync("/api/auth/register", new { email, password, displayName = "Test User", organization = "Acme" });

    public static Task<HttpResponseMessage> LoginAsync(this HttpClient gateway, string email, string password = Password)
        => gateway.PostAsJsonAsync("/api/auth/login", new { email, password });

    /// <summary>Registers a new user, waits for the registration to complete, and logs in.</summary>
    public static async Task<(string Email, Tokens Tokens, Registration Registration)> SignUpAsync(this HttpClient gateway)
    {
        var email = NewEmail();
        using var register = await gateway.RegisterAsync(email);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, register.StatusCode);
        var location = register.Headers.Location!;
        var registration = await Eventually.ReturnsAsync(
            () => gateway.GetFromJsonAsync<Registration>(location)!,
            r => r!.Status != "pending", TimeSpan.FromSeconds(30), "registration completes");
        Assert.Equal("completed", registration!.Status);
        using var login = await gateway.LoginAsync(email);
        login.EnsureSuccessStatusCode();
        return (email, (await login.Content.ReadFromJsonAsync<Tokens>())!, registration);
    }

    public static Task<HttpResponseMessage> GetAsync(this HttpClient gateway, string path, string? accessToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accessToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return gateway.SendAsync(request);
    }

    /// <summary>Asserts an RFC 9457 body with the given status and stable type, and returns it.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, int status, string? type = null)
    {
        if ((int)response.StatusCode != status)
        {
            Assert.Fail($"Expected {status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.StartsWith("https://platform.dev/problems/", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        if (type is not null)
        {
            Assert.Equal("https://platform.dev/problems/" + type, problem.GetProperty("type").GetString());
        }

        Assert.DoesNotContain("   at ", problem.ToString(), StringComparison.Ordinal); // never a stack trace
        return problem;
    }
}
