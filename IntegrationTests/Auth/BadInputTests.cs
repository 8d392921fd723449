using System.Net.Http.Headers;
using System.Text;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Auth;

/// <summary>Bad input gets a 4xx problem+json with a stable type, never a 500, and writes nothing.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "security")]
public sealed class BadInputTests(PlatformFixture platform)
{
    public static TheoryData<string, string, string, int, string> Cases => new()
    {
        { "malformed JSON", "/api/auth/register", """{"email": "x@example.com", "password": """, 400, "malformed-request" },
        { "missing fields", "/api/auth/register", """{"email": "x@example.com"}""", 400, "validation" },
        { "wrong types", "/api/auth/register", """{"email": 42, "password": ["a"], "displayName": {}}""", 400, "malformed-request" },
        { "short password", "/api/auth/register", """{"email": "short@example.com", "password": "elevenchars", "displayName": "S"}""", 400, "validation" },
        { "not an email", "/api/auth/register", """{"email": "not-an-email", "password": "long enough password", "displayName": "N"}""", 400, "validation" },
        { "empty body", "/api/auth/register", "", 400, "malformed-request" },
        { "login without password", "/api/auth/login", """{"email": "x@example.com"}""", 400, "validation" },
        { "refresh without token", "/api/auth/refresh", "{}", 400, "validation" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_client_problem_and_changes_nothing(string name, string path, string body, int status, string type)
    {
        var before = await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await platform.Gateway.PostAsync(path, content);

        await response.AssertProblemAsync(status, type);
        Assert.True(before == await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts"), $"{name} wrote an account");
    }

    [Fact]
    public async Task Oversized_body_is_refused_with_413()
    {
        var before = await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts");
        var huge = $$"""{"email": "big@example.com", "password": "long enough password", "displayName": "{{new string('x', 200_000)}}"}""";
        // As curl does for a large body: the headers first, the body only after "100 Continue". The gateway refuses on the
        // declared length, so the body is never sent (without it, a refusal while the client is still writing can reach
        // the client as a reset instead of the 413, a race in any HTTP/1.1 client).
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await platform.Gateway.SendAsync(request);

        await response.AssertProblemAsync(413, "payload-too-large");
        Assert.Equal(before, await platform.QueryScalarAsync<long>("authdb", "SELECT count(*) FROM accounts"));
    }

    [Fact]
    public async Task Wrong_content_type_is_415()
    {
        using var content = new StringContent("email=x", Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await platform.Gateway.PostAsync("/api/auth/register", content);
        await response.AssertProblemAsync(415, "unsupported-media-type");
    }
}
