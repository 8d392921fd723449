using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.EventStore;

namespace Platform.IntegrationTests.Workspaces;

/// <summary>The workspaces API through the gateway: lifecycle, ETags, roles, typed records, history, bad input.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "e2e")]
public sealed class WorkspaceApiTests(PlatformFixture platform)
{
    private HttpClient Gateway => platform.Gateway;

    [Fact]
    public async Task A_workspace_is_created_renamed_under_if_match_and_archived_with_its_history_kept()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        var id = await Gateway.CreateWorkspaceAsync(token, "Alpha");

        using var read = await Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{id}", token);
        Assert.Equal("\"1\"", read.ETag());
        using var renamed = await Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = "Beta" }, ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.NoContent, renamed.StatusCode);
        Assert.Equal("\"2\"", renamed.ETag());
        using var stale = await Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = "Gamma" }, ifMatch: "\"1\"");
        await stale.AssertProblemAsync(412, "precondition-failed");
        using var garbage = await Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = "Gamma" }, ifMatch: "yesterday");
        await garbage.AssertProblemAsync(412, "precondition-failed");

        using var archived = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/archive", token);
        Assert.Equal(HttpStatusCode.NoContent, archived.StatusCode);
        using var afterArchive = await Gateway.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = "Delta" });
        await afterArchive.AssertProblemAsync(409, "conflict");

        var details = await Gateway.JsonAsync($"/api/workspaces/{id}", token);
        Assert.Equal(("Beta", true, 3), (details.GetProperty("name").GetString(), details.GetProperty("archived").GetBoolean(), details.GetProperty("version").GetInt32()));
        var history = await Gateway.JsonAsync($"/api/workspaces/{id}/history", token);
        Assert.Equal(["workspace-created", "workspace-renamed", "workspace-archived"], history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([1, 2, 3], history.EnumerateArray().Select(e => e.GetProperty("version").GetInt32()));
        Assert.All(history.EnumerateArray(), e => Assert.False(string.IsNullOrEmpty(e.GetProperty("correlationId").GetString())));

        var list = await Gateway.JsonAsync("/api/workspaces", token);
        Assert.Contains(list.GetProperty("items").EnumerateArray(), w => w.GetProperty("id").GetGuid() == id && w.GetProperty("role").GetString() == "owner");
    }

    [Fact]
    public async Task Roles_decide_who_may_read_edit_and_manage()
    {
        var (_, owner, registration) = await Gateway.SignUpAsync();
        var (colleagueId, colleague) = await platform.AddColleagueAsync(registration.UserId!.Value);
        var (_, stranger) = await platform.AddColleagueAsync(registration.UserId!.Value);
        var id = await Gateway.CreateWorkspaceAsync(owner.AccessToken);
        var table = await Gateway.CreateTasksTableAsync(owner.AccessToken, id);

        using (var notYet = await Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{id}", colleague.AccessToken))
        {
            await notYet.AssertProblemAsync(404, "not-found"); // same tenant, not a member: invisible
        }

        using (var added = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/members", owner.AccessToken, new { userId = colleagueId, role = "viewer" }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{id}", colleague.AccessToken)).StatusCode);
        using (var viewerWrites = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables/{table}/records", colleague.AccessToken, new { values = new { title = "x" } }))
        {
            await viewerWrites.AssertProblemAsync(403, "forbidden");
        }

        Assert.Equal(HttpStatusCode.OK, (await Gateway.SendAsync(HttpMethod.Put, $"/api/workspaces/{id}/members/{colleagueId}", owner.AccessToken, new { role = "editor" })).StatusCode);
        await Gateway.CreateRecordAsync(colleague.AccessToken, id, table, new { title = "by the editor" });
        using (var editorManages = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/members", colleague.AccessToken, new { userId = Guid.NewGuid(), role = "owner" }))
        {
            await editorManages.AssertProblemAsync(403, "forbidden");
        }

        using (var lastOwner = await Gateway.SendAsync(HttpMethod.Delete, $"/api/workspaces/{id}/members/{registration.UserId}", owner.AccessToken))
        {
            await lastOwner.AssertProblemAsync(409, "conflict");
        }

        using (var strangerReads = await Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{id}/history", stranger.AccessToken))
        {
            await strangerReads.AssertProblemAsync(404, "not-found");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.SendAsync(HttpMethod.Delete, $"/api/workspaces/{id}/members/{colleagueId}", owner.AccessToken)).StatusCode);
        using var removed = await Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{id}", colleague.AccessToken);
        await removed.AssertProblemAsync(404, "not-found");
    }

    [Fact]
    public async Task Records_are_checked_against_typed_fields_and_can_be_filtered_sorted_and_paged()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        var id = await Gateway.CreateWorkspaceAsync(token);
        var table = await Gateway.CreateTasksTableAsync(token, id);
        var records = $"/api/workspaces/{id}/tables/{table}/records";

        using (var missing = await Gateway.SendAsync(HttpMethod.Post, records, token, new { values = new { points = 3 } }))
        {
            var problem = await missing.AssertProblemAsync(400, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty("title", out _));
        }

        using (var wrongTypes = await Gateway.SendAsync(HttpMethod.Post, records, token, new { values = new { title = "t", points = "three", done = "yes", due = "31/12/2026", color = "red" } }))
        {
            var errors = (await wrongTypes.AssertProblemAsync(400, "validation")).GetProperty("errors");
            Assert.Equal(["color", "done", "due", "points"], errors.EnumerateObject().Select(p => p.Name).Order());
        }

        var ids = new List<Guid>();
        for (var i = 1; i <= 5; i++)
        {
            ids.Add(await Gateway.CreateRecordAsync(token, id, table, new { title = $"task {i}", points = i * 10, done = i % 2 == 0, due = $"2026-12-0{i}" }));
        }

        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.SendAsync(HttpMethod.Patch, $"{records}/{ids[0]}", token, new { values = new { points = 99, done = true } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.SendAsync(HttpMethod.Delete, $"{records}/{ids[4]}", token)).StatusCode);
        using (var gone = await Gateway.SendAsync(HttpMethod.Patch, $"{records}/{ids[4]}", token, new { values = new { points = 1 } }))
        {
            await gone.AssertProblemAsync(404, "not-found");
        }

        // The records list is an async projection that applies events in order. The update comes
        // after the fifth create, so "4 records and the update visible" means the delete (the last
        // write) is in too. Wait for that (bounded), then query.
        await Eventually.ReturnsAsync(
            () => Gateway.JsonAsync($"{records}?sort=-points", token),
            page => page.GetProperty("total").GetInt32() == 4 && page.GetProperty("items")[0].GetProperty("values").GetProperty("points").GetInt32() == 99,
            TimeSpan.FromSeconds(10), "the records read model shows the update and the delete");
        var done = await Gateway.JsonAsync($"{records}?filter.done=true&sort=-points", token);
        Assert.Equal(3, done.GetProperty("total").GetInt32());
        Assert.Equal([ids[0], ids[3], ids[1]], done.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()));
        Assert.Equal(99, done.GetProperty("items")[0].GetProperty("values").GetProperty("points").GetInt32());

        var page2 = await Gateway.JsonAsync($"{records}?sort=points&page=2&pageSize=2", token);
        Assert.Equal(4, page2.GetProperty("total").GetInt32());
        Assert.Equal(["task 4", "task 1"], page2.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("values").GetProperty("title").GetString()));

        using var badFilter = await Gateway.SendAsync(HttpMethod.Get, $"{records}?filter.color=red", token);
        await badFilter.AssertProblemAsync(400, "validation");
        using var badPage = await Gateway.SendAsync(HttpMethod.Get, $"{records}?pageSize=5000", token);
        await badPage.AssertProblemAsync(400, "validation");
    }

    [Fact]
    public async Task Malformed_workspace_requests_get_a_problem_and_change_nothing()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        var id = await Gateway.CreateWorkspaceAsync(token);

        using var noName = await Gateway.SendAsync(HttpMethod.Post, "/api/workspaces", token, new { name = "  " });
        await noName.AssertProblemAsync(400, "validation");
        using var badJson = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables", token);
        Assert.Equal(400, (int)badJson.StatusCode);
        using var badFields = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables", token, new { name = "t", fields = new[] { new { name = "1bad", type = "text" } } });
        await badFields.AssertProblemAsync(400, "validation");
        using var badType = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables", token, new { name = "t", fields = new[] { new { name = "a", type = "blob" } } });
        await badType.AssertProblemAsync(400, "validation");
        using var badRole = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/members", token, new { userId = Guid.NewGuid(), role = "god" });
        await badRole.AssertProblemAsync(400, "validation");
        using var noTable = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables/{Guid.NewGuid()}/records", token, new { values = new { a = 1 } });
        await noTable.AssertProblemAsync(404, "not-found");

        var details = await Gateway.JsonAsync($"/api/workspaces/{id}", token);
        Assert.Equal(1, details.GetProperty("version").GetInt32());
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("workspacesdb", $"SELECT count(*) FROM mt_events WHERE stream_id = '{id}'"));
    }

    [Fact]
    public async Task Concurrent_writes_to_one_workspace_either_all_land_or_exactly_one_wins_under_if_match()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        using var first = await platform.ReplicaAsync("workspaces", 0);
        using var second = await platform.ReplicaAsync("workspaces", 1);
        var id = await first.CreateWorkspaceAsync(token);
        var table = await first.CreateTasksTableAsync(token, id);

        // Without If-Match the service re-decides a write that lost the race: all 12 land.
        var creates = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? first : second).SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables/{table}/records", token, new { values = new { title = $"t{i}" } })));
        Assert.All(creates, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(14, (await first.JsonAsync($"/api/workspaces/{id}", token)).GetProperty("version").GetInt32());

        // With the same If-Match, exactly one rename wins; the others are told the version moved.
        var renames = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            (i % 2 == 0 ? first : second).SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}", token, new { name = $"n{i}" }, ifMatch: "\"14\"")));
        Assert.Single(renames, r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.All(renames.Where(r => r.StatusCode != HttpStatusCode.NoContent), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        Assert.Equal(15, (await first.JsonAsync($"/api/workspaces/{id}", token)).GetProperty("version").GetInt32());
        foreach (var response in creates.Concat(renames))
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_long_stream_is_snapshotted_and_still_loads_its_whole_state()
    {
        var (_, tokens, _) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        using var replica = await platform.ReplicaAsync("workspaces", 0); // many writes: straight to the service, below the gateway's rate limit
        var id = await replica.CreateWorkspaceAsync(token);
        var table = await replica.CreateTasksTableAsync(token, id);
        var first = await replica.CreateRecordAsync(token, id, table, new { title = "first" });
        for (var i = 0; i < 100; i++)
        {
            await replica.CreateRecordAsync(token, id, table, new { title = $"r{i}" });
        }

        // The snapshot document is written in each command's transaction: it holds all 101 records at the stream's version.
        Assert.Equal(101L, await platform.QueryScalarAsync<long>("workspacesdb", $"SELECT count(*) FROM mt_doc_workspace w, jsonb_object_keys(w.data->'records') WHERE w.id = '{id}'"));
        Assert.Equal(103L, await platform.QueryScalarAsync<long>("workspacesdb", $"SELECT version FROM mt_streams WHERE id = '{id}'"));
        // The first record is known to the aggregate loaded from the snapshot.
        using var update = await replica.SendAsync(HttpMethod.Patch, $"/api/workspaces/{id}/tables/{table}/records/{first}", token, new { values = new { points = 1 } });
        Assert.Equal(HttpStatusCode.NoContent, update.StatusCode);
        Assert.Equal("\"104\"", update.ETag());
    }

    [Fact]
    public async Task A_table_stored_by_the_v1_schema_is_upcast_and_its_columns_accept_text()
    {
        var (_, tokens, registration) = await Gateway.SignUpAsync();
        var token = tokens.AccessToken;
        var id = await Gateway.CreateWorkspaceAsync(token);
        var table = Guid.NewGuid();
        // A table-created event as the v1 writer stored it (untyped "columns", under the name "table-created"), then the
        // snapshot documents rebuilt from the events, as an operator does after such a change.
        await platform.ExecuteAsync("workspacesdb", "UPDATE mt_streams SET version = 2 WHERE id = $1", id);
        await platform.ExecuteAsync("workspacesdb",
            "INSERT INTO mt_events (seq_id, id, stream_id, version, tenant_id, type, data) VALUES (nextval('mt_events_sequence'), $1, $2, 2, $3, 'table-created', $4::jsonb)",
            Guid.NewGuid(), id, registration.TenantId!.Value.ToString(), JsonSerializer.Serialize(new { tableId = table, name = "legacy", columns = new[] { "note" } }));
        await using (var db = NpgsqlDataSource.Create(await platform.ConnectionStringAsync("workspacesdb")))
        {
            await ProjectionRebuilds.RequestAsync(db, "workspace-snapshot", CancellationToken.None);
        }

        await Eventually.ReturnsAsync(
            () => platform.QueryScalarAsync<bool>("workspacesdb", "SELECT rebuilt_at IS NOT NULL FROM projection_rebuilds WHERE name = 'workspace-snapshot'"),
            rebuilt => rebuilt, TimeSpan.FromSeconds(30), "the replica holding the daemon rebuilds the snapshots");

        var record = await Gateway.CreateRecordAsync(token, id, table, new { note = "kept as text" });
        using var typed = await Gateway.SendAsync(HttpMethod.Post, $"/api/workspaces/{id}/tables/{table}/records", token, new { values = new { note = 5 } });
        await typed.AssertProblemAsync(400, "validation");
        var history = await Gateway.JsonAsync($"/api/workspaces/{id}/history?fromVersion=2&limit=1", token);
        Assert.Equal("text", history[0].GetProperty("data").GetProperty("fields")[0].GetProperty("type").GetString());
        Assert.NotEqual(Guid.Empty, record);
    }
}
