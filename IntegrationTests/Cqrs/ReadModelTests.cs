using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using Platform.Contracts;
using Platform.EventStore;
using Platform.Messaging.Kafka;

namespace Platform.IntegrationTests.Cqrs;

/// <summary>Read models: the async records projection and its rebuild, and the users service's Kafka-fed "my workspaces".</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "cqrs")]
public sealed class ReadModelTests(PlatformFixture platform, ITestOutputHelper output)
{
    private HttpClient Gateway => platform.Gateway;

    [Fact]
    public async Task Rebuilding_the_records_projection_from_zero_yields_the_read_model_live_processing_built()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        using var replica = await platform.ReplicaAsync("workspaces", 0);
        var id = await replica.CreateWorkspaceAsync(tokens.AccessToken);
        var table = await replica.CreateTasksTableAsync(tokens.AccessToken, id);
        var records = new List<Guid>();
        for (var i = 0; i < 30; i++)
        {
            records.Add(await replica.CreateRecordAsync(tokens.AccessToken, id, table, new { title = $"r{i}", points = i }));
        }

        for (var i = 0; i < 30; i += 3)
        {
            await replica.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}/tables/{table}/records/{records[i]}", tokens.AccessToken, new { values = new { done = true, points = (object?)null } });
            await replica.SendAsync(HttpMethod.Delete, $"/api/workspaces/{id}/tables/{table}/records/{records[i + 1]}", tokens.AccessToken);
        }

        await CaughtUpAsync();
        var live = await DumpRecordsViewAsync();
        var requested = DateTimeOffset.UtcNow;
        await using (var db = NpgsqlDataSource.Create(await platform.ConnectionStringAsync("workspacesdb")))
        {
            await ProjectionRebuilds.RequestAsync(db, "records", CancellationToken.None);
        }

        await Eventually.ReturnsAsync(
            () => platform.QueryScalarAsync<bool>("workspacesdb", "SELECT rebuilt_at IS NOT NULL FROM projection_rebuilds WHERE name = 'records'"),
            rebuilt => rebuilt, TimeSpan.FromSeconds(30), "the replica holding the daemon rebuilds the projection");
        await CaughtUpAsync();
        var rebuilt = await DumpRecordsViewAsync();
        Assert.Equal(live, rebuilt);
        Assert.Contains(records[0].ToString(), live, StringComparison.Ordinal);
        Assert.DoesNotContain(records[1].ToString(), live, StringComparison.Ordinal);
        output.WriteLine($"records_view: {live.Length} characters, identical after the rebuild (requested {requested:O})");
    }

    [Fact]
    public async Task My_workspaces_in_the_users_service_converges_from_kafka()
    {
        var (_, owner, registration) = await Gateway.SignUpAsync();
        var (colleagueId, colleague) = await platform.AddColleagueAsync(registration.UserId!.Value);
        var clock = Stopwatch.StartNew();
        var id = await Gateway.CreateWorkspaceAsync(owner.AccessToken, "Projects");
        await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/members", owner.AccessToken, new { userId = colleagueId, role = "viewer" });
        await Gateway.SendAsync(HttpMethod.Put, $"/api/workspaces/{id}/members/{colleagueId}", owner.AccessToken, new { role = "editor" });
        using var rename = await Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", owner.AccessToken, new { name = "Projects 2027" });
        Assert.Equal("\"4\"", rename.ETag());

        var mine = await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync("/api/users/me/workspaces", colleague.AccessToken),
            list => list.EnumerateArray().Any(w => w.GetProperty("workspaceId").GetGuid() == id && w.GetProperty("version").GetInt64() == 4),
            TimeSpan.FromSeconds(15), "the colleague's list reflects all four changes");
        var entry = mine.EnumerateArray().Single(w => w.GetProperty("workspaceId").GetGuid() == id);
        Assert.Equal(("Projects 2027", "editor"), (entry.GetProperty("name").GetString(), entry.GetProperty("role").GetString()));
        output.WriteLine($"converged {clock.ElapsedMilliseconds} ms after the first write");

        await Gateway.SendAsync(HttpMethod.Delete, $"/api/workspaces/{id}/members/{colleagueId}", owner.AccessToken);
        await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync("/api/users/me/workspaces", colleague.AccessToken),
            list => list.EnumerateArray().All(w => w.GetProperty("workspaceId").GetGuid() != id), TimeSpan.FromSeconds(15), "leaving removes it");
        var ownerList = await Gateway.JsonAsync("/api/users/me/workspaces", owner.AccessToken);
        Assert.Equal("owner", ownerList.EnumerateArray().Single(w => w.GetProperty("workspaceId").GetGuid() == id).GetProperty("role").GetString());
    }

    /// <summary>Role changes race through two consumer replicas while one is killed (its partitions move to the other): the last change per workspace wins everywhere.</summary>
    [Fact]
    public async Task Per_workspace_order_holds_across_two_consumers_and_a_rebalance()
    {
        var (_, owner, registration) = await Gateway.SignUpAsync();
        var (colleagueId, colleague) = await platform.AddColleagueAsync(registration.UserId!.Value);
        using var replica = await platform.ReplicaAsync("workspaces", 1);
        var workspaces = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var id = await replica.CreateWorkspaceAsync(owner.AccessToken, $"w{i}");
            await replica.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/members", owner.AccessToken, new { userId = colleagueId, role = "viewer" });
            workspaces.Add(id);
        }

        async Task ChangeRolesAsync(int rounds, int offset)
        {
            await Task.WhenAll(workspaces.Select(async id =>
            {
                for (var r = 0; r < rounds; r++)
                {
                    using var changed = await replica.SendAsync(HttpMethod.Put, $"/api/workspaces/{id}/members/{colleagueId}", owner.AccessToken, new { role = (r + offset) % 2 == 0 ? "editor" : "viewer" });
                    Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
                }
            }));
        }

        await ChangeRolesAsync(10, 0);
        await platform.Commands.KillAsync("users-1");
        try
        {
            await ChangeRolesAsync(11, 0); // ends on "editor"
        }
        finally
        {
            await platform.Commands.StartAsync("users-1");
        }

        var versions = new Dictionary<Guid, long>();
        foreach (var id in workspaces)
        {
            versions[id] = (await replica.JsonAsync($"/api/workspaces/{id}", owner.AccessToken)).GetProperty("version").GetInt64();
        }

        var mine = await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync("/api/users/me/workspaces", colleague.AccessToken),
            list => workspaces.All(id => list.EnumerateArray().Any(w => w.GetProperty("workspaceId").GetGuid() == id && w.GetProperty("version").GetInt64() == versions[id])),
            TimeSpan.FromSeconds(60), "every workspace's last change reaches the users service");
        Assert.All(workspaces, id => Assert.Equal("editor", mine.EnumerateArray().Single(w => w.GetProperty("workspaceId").GetGuid() == id).GetProperty("role").GetString()));
    }

    /// <summary>
    /// Messages that can never apply (an unreadable body, one that breaks a constraint) are parked with their reason, and
    /// the next message of the same key (the same partition) still arrives: a poison message does not block.
    /// </summary>
    [Fact]
    public async Task A_message_that_can_never_apply_is_parked_with_its_reason_and_its_partition_moves_on()
    {
        var (_, tokens, registration) = await Gateway.SignUpAsync();
        var workspaceId = Guid.NewGuid();
        var userId = registration.UserId!.Value;
        var tenantId = registration.TenantId!.Value;
        using var producer = await MembershipProducerAsync();
        Task SendAsync(Guid messageId, byte[] body) => ProduceAsync(producer, workspaceId, messageId, WorkspaceMembershipEvents.MemberJoinedType, body);

        var unreadable = Guid.NewGuid();
        var violating = Guid.NewGuid();
        await SendAsync(unreadable, "{ not json"u8.ToArray());
        await SendAsync(violating, JsonSerializer.SerializeToUtf8Bytes(new { workspaceId, tenantId, version = 1, userId, role = "owner", workspaceName = (string?)null }, JsonSerializerOptions.Web));
        await SendAsync(Guid.NewGuid(), JsonSerializer.SerializeToUtf8Bytes(new MemberJoined(workspaceId, tenantId, 2, userId, "owner", "After the poison"), JsonSerializerOptions.Web));

        await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync("/api/users/me/workspaces", tokens.AccessToken),
            list => list.EnumerateArray().Any(w => w.GetProperty("workspaceId").GetGuid() == workspaceId && w.GetProperty("name").GetString() == "After the poison"),
            TimeSpan.FromSeconds(20), "the message after the two poison ones is applied");
        var reasons = await platform.QueryScalarAsync<string>("usersdb",
            $"SELECT string_agg(reason, ' | ' ORDER BY id) FROM inbox_dead_letters WHERE message_id IN ('{unreadable}', '{violating}')");
        output.WriteLine(reasons);
        Assert.Contains("JsonException", reasons, StringComparison.Ordinal);
        Assert.Contains("23502", reasons, StringComparison.Ordinal); // not-null violation
        Assert.Equal(2L, await platform.QueryScalarAsync<long>("usersdb", $"SELECT count(*) FROM inbox_messages WHERE message_id IN ('{unreadable}', '{violating}')"));
    }

    /// <summary>A message redelivered after a later one must not undo it: the inbox turns the duplicate into a no-op.</summary>
    [Fact]
    public async Task A_redelivered_message_has_no_second_effect()
    {
        var (_, tokens, registration) = await Gateway.SignUpAsync();
        var workspaceId = Guid.NewGuid();
        var userId = registration.UserId!.Value;
        var tenantId = registration.TenantId!.Value;
        var joined = Guid.NewGuid();
        using var producer = await MembershipProducerAsync();
        Task SendAsync(Guid messageId, string type, object body) => ProduceAsync(producer, workspaceId, messageId, type, JsonSerializer.SerializeToUtf8Bytes(body, JsonSerializerOptions.Web));

        await SendAsync(joined, WorkspaceMembershipEvents.MemberJoinedType, new MemberJoined(workspaceId, tenantId, 1, userId, "owner", "Dup"));
        await SendAsync(Guid.NewGuid(), WorkspaceMembershipEvents.MemberRoleChangedType, new MemberRoleChanged(workspaceId, tenantId, 2, userId, "viewer"));
        await SendAsync(joined, WorkspaceMembershipEvents.MemberJoinedType, new MemberJoined(workspaceId, tenantId, 1, userId, "owner", "Dup")); // redelivery
        await SendAsync(Guid.NewGuid(), WorkspaceMembershipEvents.WorkspaceRenamedType, new WorkspaceRenamed(workspaceId, tenantId, 3, "After"));

        // Same key, same partition: once the rename is visible, the duplicate before it has been handled.
        var mine = await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync("/api/users/me/workspaces", tokens.AccessToken),
            list => list.EnumerateArray().Any(w => w.GetProperty("workspaceId").GetGuid() == workspaceId && w.GetProperty("name").GetString() == "After"),
            TimeSpan.FromSeconds(20), "the rename after the duplicate is applied");
        Assert.Equal("viewer", mine.EnumerateArray().Single(w => w.GetProperty("workspaceId").GetGuid() == workspaceId).GetProperty("role").GetString());
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("usersdb", $"SELECT count(*) FROM inbox_messages WHERE message_id = '{joined}'"));
    }

    private async Task<IProducer<string, byte[]>> MembershipProducerAsync()
        => new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = await platform.ConnectionStringAsync("kafka"), EnableIdempotence = true }).Build();

    /// <summary>A message on the membership topic as the workspaces service publishes it: keyed by workspace, with its id and type headers.</summary>
    private static async Task ProduceAsync(IProducer<string, byte[]> producer, Guid workspaceId, Guid messageId, string type, byte[] body)
    {
        var headers = new Headers { { MessageHeaders.MessageId, Encoding.UTF8.GetBytes(messageId.ToString()) }, { MessageHeaders.MessageType, Encoding.UTF8.GetBytes(type) } };
        await producer.ProduceAsync(WorkspaceMembershipEvents.Topic, new Message<string, byte[]> { Key = workspaceId.ToString(), Value = body, Headers = headers });
    }

    private Task<bool> CaughtUpAsync() => Eventually.ReturnsAsync(
        () => platform.QueryScalarAsync<bool>("workspacesdb",
            """
            SELECT coalesce((SELECT last_seq_id FROM mt_event_progression WHERE name = 'records:All'), 0) >= (SELECT max(seq_id) FROM mt_events)
            """),
        caughtUp => caughtUp, TimeSpan.FromSeconds(30), "the records projection reaches the head of the store");

    private Task<string> DumpRecordsViewAsync() => platform.QueryScalarAsync<string>("workspacesdb",
        "SELECT coalesce(string_agg(concat_ws('|', record_id, workspace_id, table_id, tenant_id, data, version, created_at, updated_at), E'\\n' ORDER BY record_id), '') FROM records_view");
}
