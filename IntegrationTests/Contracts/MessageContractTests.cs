using Aspire.Hosting.Testing;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Platform.Contracts;
using Platform.Messaging.Kafka;

namespace Platform.IntegrationTests.Contracts;

/// <summary>
/// The consumer-driven contract between the workspaces service (provider) and the users read model (consumer) on the
/// workspace-events topic (Contracts/workspace-events.contract.json), checked from both sides on the real Kafka.
/// </summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "contract")]
public sealed class MessageContractTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly Contract Events = Contract.Load("workspace-events.contract.json");

    [Fact]
    public async Task Workspaces_publishes_every_message_the_users_read_model_relies_on_in_its_contracted_shape()
    {
        var (_, owner, registration) = await platform.Gateway.SignUpAsync();
        var (colleagueId, _) = await platform.AddColleagueAsync(registration.UserId!.Value);
        var token = owner.AccessToken;
        var id = await platform.Gateway.CreateWorkspaceAsync(token, "Contracted");
        var members = $"/api/workspaces/{id}/members";
        await ExpectAsync(HttpStatusCode.Created, platform.Gateway.SendAsync(HttpMethod.Post, members, token, new { userId = colleagueId, role = "viewer" }));
        await ExpectAsync(HttpStatusCode.OK, platform.Gateway.SendAsync(HttpMethod.Put, $"{members}/{colleagueId}", token, new { role = "editor" }));
        await ExpectAsync(HttpStatusCode.NoContent, platform.Gateway.SendAsync(HttpMethod.Delete, $"{members}/{colleagueId}", token));
        await ExpectAsync(HttpStatusCode.NoContent, platform.Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = "Renamed" }));
        await ExpectAsync(HttpStatusCode.NoContent, platform.Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/archive", token));
        var (status, purged) = await platform.Gateway.ProvisionAsync(token, "crm", [], "tables=fail"); // compensated: the workspace is purged
        Assert.Equal("failed", status.GetProperty("status").GetString());

        var contracted = Events.Root.GetProperty("messages").EnumerateObject().Select(m => m.Name).ToHashSet();
        using var reader = await TopicReader.OpenAsync(platform, Events.Root.GetProperty("topic").GetString()!);
        var keys = new HashSet<string> { id.ToString(), purged.ToString() };
        var published = await Eventually.ReturnsAsync(
            async () => (await reader.ReadToEndAsync(TimeSpan.FromSeconds(30))).Where(m => keys.Contains(m.Key)).ToList(),
            messages => contracted.IsSubsetOf(messages.Select(m => m.Type ?? "")), TimeSpan.FromSeconds(30), "every contracted message type is published");

        var violations = new List<string>();
        foreach (var message in published)
        {
            var missing = Events.Root.GetProperty("headers").EnumerateArray().Select(h => h.GetString()!).Where(h => !message.Headers.ContainsKey(h));
            violations.AddRange(missing.Select(h => $"{message.Type} at offset {message.Offset}: no {h} header"));
            if (!Events.Root.GetProperty("messages").TryGetProperty(message.Type ?? "", out var shape))
            {
                continue; // a type this consumer does not read: the provider's to add
            }

            var body = JsonDocument.Parse(message.Value).RootElement;
            violations.AddRange(Contract.Violations(body, shape).Select(v => $"{message.Type}: {v}"));
            if (body.TryGetProperty(Events.Root.GetProperty("key").GetString()!, out var key) && key.GetString() != message.Key)
            {
                violations.Add($"{message.Type}: keyed {message.Key}, but its workspaceId is {key}");
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
        output.WriteLine($"{published.Count} messages checked: {string.Join(", ", published.GroupBy(m => m.Type).Select(g => $"{g.Key} ×{g.Count()}"))}");
    }

    [Fact]
    public async Task The_users_read_model_takes_a_newer_providers_messages_with_fields_it_does_not_know()
    {
        var (_, tokens, registration) = await platform.Gateway.SignUpAsync();
        var workspaceId = Guid.NewGuid();
        var tenantId = registration.TenantId!.Value;

        // What a newer workspaces version might publish: the contracted fields, plus fields and a message type this consumer has never seen.
        await PublishAsync(workspaceId, WorkspaceMembershipEvents.MemberJoinedType,
            new { workspaceId, tenantId, version = 1, userId = registration.UserId, role = "owner", workspaceName = "From v2", color = "teal", settings = new { visibility = "private" } });
        await PublishAsync(workspaceId, "workspace.icon-changed", new { workspaceId, tenantId, version = 2, icon = "rocket" });
        await PublishAsync(workspaceId, WorkspaceMembershipEvents.WorkspaceRenamedType, new { workspaceId, tenantId, version = 3, name = "Renamed by v2", renamedBy = registration.UserId });

        var mine = await Eventually.ReturnsAsync(
            () => platform.Gateway.JsonAsync("/api/users/me/workspaces", tokens.AccessToken),
            w => w.EnumerateArray().Any(x => x.GetProperty("workspaceId").GetGuid() == workspaceId && x.GetProperty("name").GetString() == "Renamed by v2"),
            TimeSpan.FromSeconds(30), "the users read model applies the newer messages");
        var row = mine.EnumerateArray().Single(x => x.GetProperty("workspaceId").GetGuid() == workspaceId);
        Assert.Equal(("owner", 3), (row.GetProperty("role").GetString(), row.GetProperty("version").GetInt64()));
    }

    private async Task PublishAsync(Guid workspaceId, string type, object body)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = await platform.ConnectionStringAsync("kafka"), Acks = Acks.All }).Build();
        var headers = new Headers
        {
            { MessageHeaders.MessageId, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) },
            { MessageHeaders.MessageType, Encoding.UTF8.GetBytes(type) },
            { MessageHeaders.CorrelationId, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString("N")) },
        };
        await producer.ProduceAsync(WorkspaceMembershipEvents.Topic, new Message<string, byte[]>
        {
            Key = workspaceId.ToString(), Value = JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web), Headers = headers,
        });
    }

    private static async Task ExpectAsync(HttpStatusCode expected, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(expected == response.StatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
