using Aspire.Hosting.Testing;
using System.Net;

namespace Platform.IntegrationTests.Workspaces;

[Collection(PlatformCollection.Name)]
[Trait("Category", "security")]
public sealed class TenantIsolationTests(PlatformFixture platform)
{
    [Fact]
    public async Task Another_tenants_workspace_is_not_found_on_every_route_and_stays_unchanged()
    {
        var (_, owner, _) = await platform.Gateway.SignUpAsync();
        var (_, intruder, _) = await platform.Gateway.SignUpAsync();
        var id = await platform.Gateway.CreateWorkspaceAsync(owner.AccessToken);
        var table = await platform.Gateway.CreateTasksTableAsync(owner.AccessToken, id);
        var record = await platform.Gateway.CreateRecordAsync(owner.AccessToken, id, table, new { title = "secret" });
        var w = $"/api/workspaces/{id}";
        var r = $"{w}/tables/{table}/records";

        (HttpMethod, string, object?)[] routes =
        [
            (HttpMethod.Get, w, null), (HttpMethod.Get, $"{w}/history", null), (HttpMethod.Get, $"{w}/members", null),
            (HttpMethod.Get, r, null), (HttpMethod.Get, $"{r}/{record}", null),
            (HttpMethod.Patch, w, new { name = "taken" }), (HttpMethod.Post, $"{w}/archive", null),
            (HttpMethod.Post, $"{w}/members", new { userId = Guid.NewGuid(), role = "owner" }),
            (HttpMethod.Put, $"{w}/members/{Guid.NewGuid()}", new { role = "owner" }), (HttpMethod.Delete, $"{w}/members/{Guid.NewGuid()}", null),
            (HttpMethod.Post, $"{w}/tables", new { name = "t2", fields = new[] { new { name = "a", type = "text" } } }),
            (HttpMethod.Post, r, new { values = new { title = "x" } }), (HttpMethod.Patch, $"{r}/{record}", new { values = new { title = "x" } }),
            (HttpMethod.Delete, $"{r}/{record}", null),
        ];
        foreach (var (method, path, body) in routes)
        {
            using var response = await platform.Gateway.SendAsync(method, path, intruder.AccessToken, body ?? new { });
            await response.AssertProblemAsync(404, "not-found");
        }

        var details = await platform.Gateway.JsonAsync(w, owner.AccessToken);
        Assert.Equal(3, details.GetProperty("version").GetInt32());
        Assert.DoesNotContain(id.ToString(), (await platform.Gateway.JsonAsync("/api/workspaces", intruder.AccessToken)).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_tenants_rows_are_invisible_in_sql_under_the_tenant_setting()
    {
        var (_, owner, ownerRegistration) = await platform.Gateway.SignUpAsync();
        var (_, _, otherRegistration) = await platform.Gateway.SignUpAsync();
        var id = await platform.Gateway.CreateWorkspaceAsync(owner.AccessToken);
        await platform.Gateway.CreateTasksTableAsync(owner.AccessToken, id);

        async Task<long> VisibleRowsAsync(Guid tenant)
        {
            await using var connection = new Npgsql.NpgsqlConnection(await platform.ConnectionStringAsync("workspacesdb"));
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await using var scope = new Npgsql.NpgsqlCommand($"SET LOCAL role platform_tenant; SET LOCAL app.tenant_id = '{tenant}'", connection, transaction);
            await scope.ExecuteNonQueryAsync();
            await using var count = new Npgsql.NpgsqlCommand(
                $"""
                SELECT (SELECT count(*) FROM mt_streams WHERE id = '{id}') + (SELECT count(*) FROM mt_events WHERE stream_id = '{id}') + (SELECT count(*) FROM mt_doc_workspace WHERE id = '{id}')
                     + (SELECT count(*) FROM workspaces_view WHERE id = '{id}') + (SELECT count(*) FROM workspace_members WHERE workspace_id = '{id}')
                """, connection, transaction);
            return (long)(await count.ExecuteScalarAsync())!;
        }

        Assert.Equal(0L, await VisibleRowsAsync(otherRegistration.TenantId!.Value));
        Assert.Equal(1L + 2 + 1 + 1 + 1, await VisibleRowsAsync(ownerRegistration.TenantId!.Value));
    }

    [Fact]
    public async Task No_service_login_is_a_superuser_and_a_login_alone_reads_no_tenants_rows()
    {
        foreach (var database in (string[])["authdb", "usersdb", "workspacesdb"])
        {
            await using var login = new Npgsql.NpgsqlConnection(await platform.ConnectionStringAsync(database) + ";Pooling=false");
            await login.OpenAsync();
            await using var attributes = new Npgsql.NpgsqlCommand("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, current_user = session_user FROM pg_roles WHERE rolname = session_user", login);
            await using var reader = await attributes.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal((false, false, false, false, true), (reader.GetBoolean(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3), reader.GetBoolean(4)));
        }

        var (_, owner, _) = await platform.Gateway.SignUpAsync();
        var id = await platform.Gateway.CreateWorkspaceAsync(owner.AccessToken);
        await platform.Gateway.CreateTasksTableAsync(owner.AccessToken, id);
        var sql = $"""
            SELECT (SELECT count(*) FROM mt_streams WHERE id = '{id}') + (SELECT count(*) FROM mt_events WHERE stream_id = '{id}') + (SELECT count(*) FROM mt_doc_workspace WHERE id = '{id}')
                 + (SELECT count(*) FROM workspaces_view WHERE id = '{id}') + (SELECT count(*) FROM workspace_members WHERE workspace_id = '{id}')
            """;
        Assert.Equal(1L + 2 + 1 + 1 + 1, await platform.QueryScalarAsync<long>("workspacesdb", sql)); // they are there

        // The workspaces service's own login, with raw SQL and no tenant: nothing. Nor in the users service's tables.
        // (Marten's policy on its documents reads the setting without a default, so it is set, to no tenant.)
        await using var workspaces = new Npgsql.NpgsqlConnection(await platform.ConnectionStringAsync("workspacesdb") + ";Pooling=false");
        await workspaces.OpenAsync();
        await using (var noTenant = new Npgsql.NpgsqlCommand("SELECT set_config('app.tenant_id', '', false)", workspaces))
        {
            await noTenant.ExecuteNonQueryAsync();
        }

        await using (var count = new Npgsql.NpgsqlCommand(sql, workspaces))
        {
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        await using var users = new Npgsql.NpgsqlConnection(await platform.ConnectionStringAsync("usersdb") + ";Pooling=false");
        await users.OpenAsync();
        await using (var count = new Npgsql.NpgsqlCommand("SELECT (SELECT count(*) FROM profiles) + (SELECT count(*) FROM my_workspaces)", users))
        {
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        }

        // A login reaches only its own database.
        var elsewhere = new Npgsql.NpgsqlConnectionStringBuilder(await platform.ConnectionStringAsync("usersdb")) { Database = "workspacesdb", Pooling = false };
        await using var crossing = new Npgsql.NpgsqlConnection(elsewhere.ConnectionString);
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => crossing.OpenAsync());
        Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }
}
