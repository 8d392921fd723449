using Platform.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Gateway;

[Collection(PlatformCollection.Name)]
[Trait("Category", "gateway")]
public sealed class GatewayTests(PlatformFixture platform)
{
    private HttpClient Gateway => platform.Gateway;

    [Fact]
    public async Task Routes_reach_their_services()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();

        var jwks = await Gateway.GetFromJsonAsync<JsonElement>("/.well-known/jwks.json");
        Assert.Equal("RSA", jwks.GetProperty("keys")[0].GetProperty("kty").GetString());
        using var workspaces = await Gateway.GetAsync("/api/workspaces", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, workspaces.StatusCode);
        using var me = await Gateway.GetAsync("/api/users/me", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        using var unrouted = await Gateway.GetAsync("/internal/users", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NotFound, unrouted.StatusCode);
    }

    public static TheoryData<string> BadTokens => new() { "missing", "malformed", "expired", "wrong-key" };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Protected_routes_reject_bad_tokens_with_401_problem(string kind)
    {
        var token = kind switch
        {
            "missing" => null,
            "malformed" => "not.a.jwt",
            "expired" => await SignAsync(await RealSigningKeyAsync(), DateTime.UtcNow.AddHours(-2), DateTime.UtcNow.AddHours(-1)),
            _ => await SignAsync(await ForgedKeyWithRealKidAsync(), DateTime.UtcNow, DateTime.UtcNow.AddMinutes(10)),
        };

        foreach (var path in new[] { "/api/users/me", "/api/workspaces" })
        {
            using var response = await Gateway.GetAsync(path, token);
            await response.AssertProblemAsync(401, "unauthorized");
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        }
    }

    [Fact]
    public async Task A_burst_beyond_the_rate_limit_gets_429_with_retry_after()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => Gateway.GetAsync("/api/workspaces", tokens.AccessToken)));
        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(limited);
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
            await limited[0].AssertProblemAsync(429, "too-many-requests");
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Correlation_id_is_echoed_and_reaches_the_upstream()
    {
        var id = $"test-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/auth/registrations/{Guid.NewGuid()}");
        request.Headers.Add("X-Correlation-Id", id);
        using var response = await Gateway.SendAsync(request);

        Assert.Equal(id, response.Headers.GetValues("X-Correlation-Id").Single());
        var problem = await response.AssertProblemAsync(404); // written by the auth service, behind the gateway
        Assert.Equal(id, problem.GetProperty("correlationId").GetString());

        using var created = await Gateway.GetAsync($"/api/auth/registrations/{Guid.NewGuid()}", null);
        Assert.Matches("^[0-9a-f]{32}$", created.Headers.GetValues("X-Correlation-Id").Single());
    }

    [Fact]
    public async Task A_stopped_upstream_answers_within_the_route_budget_with_a_problem_and_recovers_after_start()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        await platform.Commands.StopAsync("workspaces");
        try
        {
            // DCP's proxy holds a connection while no replica is up (one may start again), so the answer is the gateway's
            // 504 at its 5 s route budget rather than an immediate refusal: a problem, never a hang.
            var clock = Stopwatch.StartNew();
            using var down = await Gateway.GetAsync("/api/workspaces", tokens.AccessToken);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6.5), $"took {clock.Elapsed}");
            Assert.Contains((int)down.StatusCode, new[] { 502, 503, 504 });
            await down.AssertProblemAsync((int)down.StatusCode, down.StatusCode == HttpStatusCode.GatewayTimeout ? "upstream-timeout" : "upstream-unavailable");
        }
        finally
        {
            await platform.Commands.StartAsync("workspaces");
        }

        await Eventually.ReturnsAsync(
            async () => (await Gateway.GetAsync("/api/workspaces", tokens.AccessToken)).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(20), "the gateway routes to the restarted service");
    }

    [Fact]
    public async Task Requests_keep_succeeding_through_the_other_replica_when_one_is_killed()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        await platform.Commands.KillAsync("users-0");
        try
        {
            Assert.Contains((await platform.Commands.SnapshotAsync("users-0")).State?.Text, KnownResourceStates.TerminalStates);

            // DCP takes the dead replica out of its proxy as soon as it sees the process gone; then every call succeeds.
            await Eventually.ReturnsAsync(
                async () =>
                {
                    var statuses = new List<HttpStatusCode>();
                    for (var i = 0; i < 20; i++)
                    {
                        using var me = await Gateway.GetAsync("/api/users/me", tokens.AccessToken);
                        statuses.Add(me.StatusCode);
                    }

                    return statuses;
                },
                statuses => statuses.All(s => s == HttpStatusCode.OK), TimeSpan.FromSeconds(20), "20 calls in a row succeed on the surviving replica");
        }
        finally
        {
            await platform.Commands.StartAsync("users-0");
        }

        Assert.Equal(HealthStatus.Healthy, (await platform.Commands.SnapshotAsync("users-0")).HealthStatus);
    }

    private async Task<RsaSecurityKey> RealSigningKeyAsync()
    {
        await using var connection = new NpgsqlConnection(await platform.ConnectionStringAsync("authdb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT kid, private_key_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var rsa = RSA.Create();
        rsa.ImportFromPem(reader.GetString(1));
        return new RsaSecurityKey(rsa) { KeyId = reader.GetString(0) };
    }

    private async Task<RsaSecurityKey> ForgedKeyWithRealKidAsync()
        => new(RSA.Create(2048)) { KeyId = (await RealSigningKeyAsync()).KeyId };

    private static Task<string> SignAsync(RsaSecurityKey key, DateTime notBefore, DateTime expires)
        => Task.FromResult(new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "platform-auth",
            Audience = "platform",
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires,
            Claims = new Dictionary<string, object> { ["sub"] = Guid.NewGuid().ToString(), ["tid"] = Guid.NewGuid().ToString(), ["jti"] = Guid.NewGuid().ToString("N") },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        }));
}
