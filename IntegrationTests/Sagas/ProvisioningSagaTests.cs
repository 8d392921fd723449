using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Platform.Sagas;

namespace Platform.IntegrationTests.Sagas;

/// <summary>Workspaces made from a template by the provisioning saga: tables, seed records and members as separate steps.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "saga")]
public sealed class ProvisioningSagaTests(PlatformFixture platform)
{
    [Fact]
    public async Task A_template_provisions_its_tables_seed_records_and_the_members_asked_for()
    {
        var (_, owner, registration) = await platform.Gateway.SignUpAsync();
        var (colleagueId, colleague) = await platform.AddColleagueAsync(registration.UserId!.Value);

        var (status, workspaceId) = await platform.Gateway.ProvisionAsync(owner.AccessToken, "project-tracker", [new { userId = colleagueId, role = "editor" }]);

        Assert.Equal("completed", status.GetProperty("status").GetString());
        var details = await platform.Gateway.JsonAsync($"/api/workspaces/{workspaceId}", colleague.AccessToken); // the colleague is a member
        Assert.Equal(["milestones", "tasks"], details.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        Assert.Contains(details.GetProperty("members").EnumerateArray(), m => m.GetProperty("userId").GetGuid() == colleagueId && m.GetProperty("role").GetString() == "editor");
        var tasks = details.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "tasks").GetProperty("id").GetGuid();
        var records = await Eventually.ReturnsAsync(
            () => platform.Gateway.JsonAsync($"/api/workspaces/{workspaceId}/tables/{tasks}/records", owner.AccessToken),
            page => page.GetProperty("total").GetInt64() == 2, TimeSpan.FromSeconds(15), "the seed records reach the records view");
        Assert.Contains(records.GetProperty("items").EnumerateArray(), r => r.GetProperty("values").GetProperty("title").GetString() == "Invite the team");
    }

    [Theory]
    [InlineData("tables")]
    [InlineData("records")]
    [InlineData("members")]
    public async Task A_failure_while_provisioning_unwinds_every_step_and_the_workspace(string step)
    {
        var (_, owner, registration) = await platform.Gateway.SignUpAsync();
        var (colleagueId, _) = await platform.AddColleagueAsync(registration.UserId!.Value);

        var (status, workspaceId) = await platform.Gateway.ProvisionAsync(owner.AccessToken, "crm", [new { userId = colleagueId, role = "viewer" }], $"{step}=fail");

        Assert.Equal("failed", status.GetProperty("status").GetString());
        Assert.Equal("Injected failure.", status.GetProperty("error").GetString());
        using var gone = await platform.Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/{workspaceId}", owner.AccessToken);
        await gone.AssertProblemAsync(404);
        foreach (var table in (string[])["mt_streams WHERE id", "mt_events WHERE stream_id", "mt_doc_workspace WHERE id", "workspaces_view WHERE id", "workspace_members WHERE workspace_id", "records_view WHERE workspace_id"])
        {
            Assert.Equal(0L, await platform.QueryScalarAsync<long>("workspacesdb", $"SELECT count(*) FROM {table} = '{workspaceId}'"));
        }

        await Eventually.ReturnsAsync(() => platform.QueryScalarAsync<long>("usersdb", $"SELECT count(*) FROM my_workspaces WHERE workspace_id = '{workspaceId}'"),
            n => n == 0, TimeSpan.FromSeconds(15), "my-workspaces forgets the erased workspace");
    }

    [Fact]
    public async Task Bad_provisioning_requests_are_refused_and_start_nothing()
    {
        var (_, owner, registration) = await platform.Gateway.SignUpAsync();
        var sagas = await platform.QueryScalarAsync<long>("workspacesdb", "SELECT count(*) FROM sagas");

        foreach (var body in (object[])
                 [
                     new { name = "Space", template = "no-such-template" },
                     new { name = "", template = "crm" },
                     new { name = "Space", template = "crm", members = new object[] { new { userId = registration.UserId, role = "editor" } } },
                     new { name = "Space", template = "crm", members = new object[] { new { userId = Guid.NewGuid(), role = "boss" } } },
                     new { name = "Space", members = new object[] { new { userId = Guid.NewGuid(), role = "editor" } } },
                 ])
        {
            using var response = await platform.Gateway.SendAsync(HttpMethod.Post, "/api/workspaces", owner.AccessToken, body);
            await response.AssertProblemAsync(400, "validation");
        }

        Assert.Equal(sagas, await platform.QueryScalarAsync<long>("workspacesdb", "SELECT count(*) FROM sagas"));
        using var someoneElses = await platform.Gateway.SendAsync(HttpMethod.Get, $"/api/workspaces/provisioning/{Guid.NewGuid()}", owner.AccessToken);
        await someoneElses.AssertProblemAsync(404);
    }
}
