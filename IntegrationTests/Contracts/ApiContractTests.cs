using System.Net.Http.Json;
using System.Text.Json;

namespace Platform.IntegrationTests.Contracts;

/// <summary>
/// Provider verification of the client's contract with the public API (Contracts/gateway-api.contract.json): a client's
/// session through the gateway, each response checked against the interaction the client relies on.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "contract")]
public sealed class ApiContractTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly Contract Api = Contract.Load("gateway-api.contract.json");
    private readonly List<string> _verified = [];

    private HttpClient Gateway => platform.Gateway;

    [Fact]
    public async Task The_gateway_honours_every_interaction_of_its_client_contract()
    {
        var email = PlatformClient.NewEmail();
        var registration = await VerifyAsync("register", await Gateway.RegisterAsync(email));
        var status = $"/api/auth/registrations/{registration.GetProperty("registrationId").GetGuid()}";
        await Eventually.ReturnsAsync(() => Gateway.GetFromJsonAsync<Registration>(status)!, r => r!.Status != "pending", TimeSpan.FromSeconds(30), "registration completes");
        await VerifyAsync("registration completed", await Gateway.GetAsync(status, null));

        var tokens = await VerifyAsync("login", await Gateway.LoginAsync(email));
        var token = tokens.GetProperty("accessToken").GetString()!;
        await VerifyAsync("refresh", await Gateway.PostAsJsonAsync("/api/auth/refresh", new { refreshToken = tokens.GetProperty("refreshToken").GetString() }));
        await VerifyAsync("me", await Gateway.GetAsync("/api/users/me", token));
        await Eventually.ReturnsAsync(() => Gateway.JsonAsync("/api/users/me/workspaces", token), w => w.GetArrayLength() > 0, TimeSpan.FromSeconds(30), "the default workspace reaches my workspaces");
        await VerifyAsync("my workspaces", await Gateway.GetAsync("/api/users/me/workspaces", token));

        var created = await VerifyAsync("create workspace", await Gateway.SendAsync(HttpMethod.Post, "/api/workspaces", token, new { name = "Contract" }));
        var id = created.GetProperty("id").GetGuid();
        await Gateway.CreateTasksTableAsync(token, id); // so the tables array has an item to check
        var workspace = await VerifyAsync("get workspace", await Gateway.GetAsync($"/api/workspaces/{id}", token));
        Assert.Equal(1, workspace.GetProperty("tables").GetArrayLength());
        await VerifyAsync("list workspaces", await Gateway.GetAsync("/api/workspaces", token));
        await VerifyAsync("invalid input", await Gateway.PostAsJsonAsync("/api/auth/login", new { }));
        await VerifyAsync("unauthenticated", await Gateway.GetAsync("/api/users/me", null));

        var named = Api.Root.GetProperty("interactions").EnumerateObject().Select(i => i.Name).ToList();
        Assert.Equal(named, _verified); // every interaction of the contract was exercised, in its order
        output.WriteLine($"{_verified.Count} interactions verified: {string.Join(", ", _verified)}");
    }

    [Fact]
    public void A_removed_renamed_or_retyped_field_breaks_the_contract_and_an_added_one_does_not()
    {
        var login = Api.Root.GetProperty("interactions").GetProperty("login").GetProperty("body");
        JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

        Assert.Empty(Contract.Violations(Json("""{"accessToken":"a.b.c","refreshToken":"r","expiresIn":900,"tokenType":"Bearer","scope":"new"}"""), login));
        Assert.Equal(["$.accessToken: missing"], Contract.Violations(Json("""{"access_token":"a.b.c","refreshToken":"r","expiresIn":900,"tokenType":"Bearer"}"""), login));
        Assert.Equal(["$.expiresIn: expected integer, got String \"900\""], Contract.Violations(Json("""{"accessToken":"a.b.c","refreshToken":"r","expiresIn":"900","tokenType":"Bearer"}"""), login));
        Assert.Equal(["$.refreshToken: expected string, got Null null"], Contract.Violations(Json("""{"accessToken":"a.b.c","refreshToken":null,"expiresIn":900,"tokenType":"Bearer"}"""), login));

        var members = Api.Root.GetProperty("interactions").GetProperty("get workspace").GetProperty("body").GetProperty("members");
        Assert.Equal(["$[1].userId: expected uuid, got String \"nobody\""], Contract.Violations(Json("""[{"userId":"8a4c1f2e-0b5d-4c1a-9e7f-3d2b1a0c9e8f","role":"owner"},{"userId":"nobody","role":"viewer"}]"""), members));
    }

    private async Task<JsonElement> VerifyAsync(string interaction, HttpResponseMessage response)
    {
        using (response)
        {
            var expected = Api.Root.GetProperty("interactions").GetProperty(interaction);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(expected.GetProperty("status").GetInt32() == (int)response.StatusCode, $"{interaction}: status {(int)response.StatusCode}, the contract says {expected.GetProperty("status")} ({body})");
            var contentType = expected.TryGetProperty("contentType", out var type) ? type.GetString() : "application/json";
            Assert.True(contentType == response.Content.Headers.ContentType?.MediaType, $"{interaction}: content type {response.Content.Headers.ContentType?.MediaType}, the contract says {contentType}");
            foreach (var header in expected.TryGetProperty("headers", out var headers) ? headers.EnumerateArray().Select(h => h.GetString()!) : [])
            {
                Assert.True(response.Headers.Contains(header) || response.Content.Headers.Contains(header), $"{interaction}: no {header} header");
            }

            var json = JsonDocument.Parse(body).RootElement.Clone();
            var violations = Contract.Violations(json, expected.GetProperty("body"));
            Assert.True(violations.Count == 0, $"{interaction} breaks the contract:\n  {string.Join("\n  ", violations)}\n{body}");
            _verified.Add(interaction);
            return json;
        }
    }
}
