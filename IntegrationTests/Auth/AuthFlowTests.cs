using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth;

[Collection(PlatformCollection.Name)]
[Trait("Category", "e2e")]
public sealed class AuthFlowTests(PlatformFixture platform)
{
    private HttpClient Gateway => platform.Gateway;

    [Fact]
    public async Task Registration_creates_tenant_account_and_profile_and_login_reaches_me()
    {
        var (email, tokens, registration) = await Gateway.SignUpAsync();

        Assert.Equal("Bearer", tokens.TokenType);
        Assert.True(tokens.ExpiresIn > 0);
        using var me = await Gateway.GetAsync("/api/users/me", tokens.AccessToken);
        me.EnsureSuccessStatusCode();
        var profile = await me.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(registration.UserId, profile.GetProperty("userId").GetGuid());
        Assert.Equal(registration.TenantId, profile.GetProperty("tenantId").GetGuid());
        Assert.Equal(email, profile.GetProperty("email").GetString());
        Assert.Equal("Test User", profile.GetProperty("displayName").GetString());
    }

    [Fact]
    public async Task Login_ignores_email_case()
    {
        var (email, _, _) = await Gateway.SignUpAsync();
        using var login = await Gateway.LoginAsync(email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
    }

    [Fact]
    public async Task Refresh_rotates_and_reusing_a_spent_token_revokes_the_family()
    {
        var (_, first, _) = await Gateway.SignUpAsync();

        using var rotate = await Gateway.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken });
        rotate.EnsureSuccessStatusCode();
        var second = (await rotate.Content.ReadFromJsonAsync<Tokens>())!;
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        using (var me = await Gateway.GetAsync("/api/users/me", second.AccessToken))
        {
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        }

        using var reuse = await Gateway.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = first.RefreshToken });
        await reuse.AssertProblemAsync(401, "unauthorized");

        // The whole family is dead: the newest refresh token and the family's access tokens too.
        using var afterReuse = await Gateway.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = second.RefreshToken });
        await afterReuse.AssertProblemAsync(401, "unauthorized");
        using var meAfterReuse = await Gateway.GetAsync("/api/users/me", second.AccessToken);
        await meAfterReuse.AssertProblemAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Logout_rejects_the_access_token_and_its_refresh_family()
    {
        var (email, tokens, _) = await Gateway.SignUpAsync();
        using var other = await Gateway.LoginAsync(email); // a second session must survive
        var otherTokens = (await other.Content.ReadFromJsonAsync<Tokens>())!;

        using var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
        logout.Headers.Authorization = new("Bearer", tokens.AccessToken);
        using var loggedOut = await Gateway.SendAsync(logout);
        Assert.Equal(HttpStatusCode.NoContent, loggedOut.StatusCode);

        using var me = await Gateway.GetAsync("/api/users/me", tokens.AccessToken);
        var problem = await me.AssertProblemAsync(401, "unauthorized");
        Assert.Contains("revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var refresh = await Gateway.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.RefreshToken });
        await refresh.AssertProblemAsync(401);
        using var otherMe = await Gateway.GetAsync("/api/users/me", otherTokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, otherMe.StatusCode);
    }

    [Fact]
    public async Task Repeated_failed_logins_are_throttled_with_retry_after()
    {
        var (email, _, _) = await Gateway.SignUpAsync();
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await Gateway.LoginAsync(email, "wrong password, surely");
            await wrong.AssertProblemAsync(401, "unauthorized");
        }

        using var throttled = await Gateway.LoginAsync(email); // even the right password waits now
        await throttled.AssertProblemAsync(429, "too-many-requests");
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task Duplicate_email_in_another_case_is_a_conflict_and_writes_nothing()
    {
        var (email, _, _) = await Gateway.SignUpAsync();
        var before = await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts");

        using var duplicate = await Gateway.RegisterAsync(email.ToUpperInvariant());
        await duplicate.AssertProblemAsync(409, "conflict");
        Assert.Equal(before, await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts"));
    }

    [Fact]
    public async Task Unknown_registration_is_a_not_found_problem()
    {
        using var response = await Gateway.GetAsync($"/api/auth/registrations/{Guid.NewGuid()}", null);
        await response.AssertProblemAsync(404, "not-found");
    }
}
