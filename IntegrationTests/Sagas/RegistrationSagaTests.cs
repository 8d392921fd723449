using Aspire.Hosting.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Messaging.Bus;
using Platform.Sagas;

namespace Platform.IntegrationTests.Sagas;

/// <summary>The registration saga across auth, users and workspaces, over the graph's RabbitMQ.</summary>
[Collection(PlatformCollection.Name)]
[Trait("Category", "saga")]
public sealed class RegistrationSagaTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_registration_creates_the_account_the_profile_and_the_default_workspace()
    {
        var email = PlatformClient.NewEmail();
        var correlationId = $"registration-{Guid.NewGuid():N}";
        var location = await platform.RegisterAsync(email, correlationId: correlationId);
        var registration = await platform.FinishedAsync(location, Finish);

        Assert.Equal("completed", registration.GetProperty("status").GetString());
        var workspaceId = registration.GetProperty("workspaceId").GetGuid();
        // The request's correlation id travelled auth -> bus -> workspaces, into the workspace's first event.
        Assert.Equal(correlationId, await platform.QueryScalarAsync<string>("workspacesdb", $"SELECT correlation_id FROM mt_events WHERE stream_id = '{workspaceId}' AND version = 1"));
        using var login = await platform.Gateway.LoginAsync(email);
        login.EnsureSuccessStatusCode();
        var tokens = (await login.Content.ReadFromJsonAsync<Tokens>())!;
        var me = await platform.Gateway.JsonAsync("/api/users/me", tokens.AccessToken);
        Assert.Equal(registration.GetProperty("userId").GetGuid(), me.GetProperty("userId").GetGuid());
        var workspace = await platform.Gateway.JsonAsync($"/api/workspaces/{workspaceId}", tokens.AccessToken);
        Assert.Equal("Saga User's workspace", workspace.GetProperty("name").GetString());
        await Eventually.ReturnsAsync(
            () => platform.Gateway.JsonAsync("/api/users/me/workspaces", tokens.AccessToken),
            list => list.EnumerateArray().Any(w => w.GetProperty("workspaceId").GetGuid() == workspaceId), TimeSpan.FromSeconds(15), "the default workspace is in my workspaces");
    }

    [Theory]
    [InlineData("account")]
    [InlineData("profile")]
    [InlineData("workspace")]
    public async Task A_failure_at_any_step_compensates_every_step_and_leaves_nothing(string step)
    {
        var email = PlatformClient.NewEmail();
        var location = await platform.RegisterAsync(email, $"{step}=fail");
        var registration = await platform.FinishedAsync(location, Finish);

        Assert.Equal("failed", registration.GetProperty("status").GetString());
        Assert.Equal("Injected failure.", registration.GetProperty("error").GetString());
        var sagaId = SagaTestClient.RegistrationId(location);
        var leftovers = await Eventually.ReturnsAsync(() => platform.LeftoversAsync(sagaId), l => l.Values.All(n => n == 0), TimeSpan.FromSeconds(15), "nothing is left");
        Assert.All(leftovers, l => Assert.Equal(0, l.Value));
        using var login = await platform.Gateway.LoginAsync(email);
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);

        var database = step switch { "account" => "authdb", "profile" => "usersdb", _ => "workspacesdb" };
        var failedAt = await platform.QueryScalarAsync<DateTime>(database, $"SELECT updated_at FROM saga_steps WHERE saga_id = '{sagaId}' AND step = '{step}'");
        var endedAt = await platform.QueryScalarAsync<DateTime>("authdb", $"SELECT ended_at FROM sagas WHERE id = '{sagaId}'");
        output.WriteLine($"{step} failed -> every step compensated and the registration failed in {(endedAt - failedAt).TotalMilliseconds:0} ms");

        // The email is free again.
        var again = await platform.RegisterAsync(email);
        Assert.Equal("completed", (await platform.FinishedAsync(again, Finish)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_step_that_never_answers_is_compensated_by_its_timeout_even_when_the_orchestrator_restarts()
    {
        var email = PlatformClient.NewEmail();
        var location = await platform.RegisterAsync(email, "workspace=hang");
        var sagaId = SagaTestClient.RegistrationId(location);
        await Eventually.ReturnsAsync(() => platform.QueryScalarAsync<int>("authdb", $"SELECT step FROM sagas WHERE id = '{sagaId}'"), s => s == 2,
            TimeSpan.FromSeconds(30), "the saga waits on the workspace step");

        await platform.Commands.RestartAsync("auth"); // the timeout is in the durable schedule, not in the process
        var registration = await platform.FinishedAsync(location, Finish);

        Assert.Equal("failed", registration.GetProperty("status").GetString());
        Assert.Contains("workspace step did not answer", registration.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.All(await Eventually.ReturnsAsync(() => platform.LeftoversAsync(sagaId), l => l.Values.All(n => n == 0), TimeSpan.FromSeconds(15), "nothing is left"),
            l => Assert.Equal(0, l.Value));
    }

    [Fact]
    public async Task The_saga_waits_for_a_killed_users_service_completes_after_its_restart_and_a_duplicate_command_has_no_effect()
    {
        await platform.Commands.KillAsync("users");
        Uri location;
        Guid sagaId;
        try
        {
            location = await platform.RegisterAsync(PlatformClient.NewEmail());
            sagaId = SagaTestClient.RegistrationId(location);
            const string command = "topic = 'users' AND type LIKE 'Platform.Sagas.ExecuteSagaStep,%'";
            await Eventually.ReturnsAsync(
                () => platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM outbox_messages WHERE key = '{sagaId}' AND {command} AND delivered_at IS NOT NULL"),
                n => n == 1, TimeSpan.FromSeconds(30), "the profile command is in RabbitMQ");

            // The same command (same message id) a second time, as a broker redelivery would bring it.
            await platform.ExecuteAsync("authdb",
                $"INSERT INTO outbox_messages (id, transport, topic, key, type, payload, headers) SELECT gen_random_uuid(), transport, topic, key, type, payload, headers FROM outbox_messages WHERE key = '{sagaId}' AND {command}");
            await Eventually.ReturnsAsync(
                () => platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM outbox_messages WHERE key = '{sagaId}' AND {command} AND delivered_at IS NOT NULL"),
                n => n == 2, TimeSpan.FromSeconds(30), "the duplicate is in RabbitMQ too");
            Assert.Equal("pending", (await platform.Gateway.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString());
        }
        finally
        {
            await platform.Commands.StartAsync("users");
        }

        Assert.Equal("completed", (await platform.FinishedAsync(location, Finish)).GetProperty("status").GetString());
        var (userId, _, _) = await platform.SagaIdsAsync(sagaId);
        var messageId = await platform.QueryScalarAsync<string>("authdb", $"SELECT headers->>'message-id' FROM outbox_messages WHERE key = '{sagaId}' AND topic = 'users' LIMIT 1");
        await Eventually.ReturnsAsync(
            () => platform.QueryScalarAsync<int>("usersdb", $"SELECT coalesce(max(duplicates), 0) FROM inbox_messages WHERE consumer = 'saga-step.registration.profile' AND message_id = '{messageId}'"),
            n => n == 1, TimeSpan.FromSeconds(30), "the users service receives the duplicate and its inbox absorbs it");
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("usersdb", $"SELECT count(*) FROM profiles WHERE user_id = '{userId}'"));
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("usersdb", $"SELECT count(*) FROM outbox_messages WHERE key = '{sagaId}' AND type LIKE 'Platform.Sagas.SagaStepCompleted,%'"));
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM outbox_messages WHERE key = '{sagaId}' AND topic = 'workspaces' AND type LIKE 'Platform.Sagas.ExecuteSagaStep,%'"));
    }

    [Fact]
    public async Task Twenty_concurrent_registrations_of_one_email_complete_exactly_once()
    {
        var email = PlatformClient.NewEmail();
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => platform.Gateway.RegisterAsync(i % 2 == 0 ? email : email.ToUpperInvariant())));
        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).ToList();

        Assert.Single(accepted);
        Assert.All(responses.Except(accepted), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        Assert.Equal("completed", (await platform.FinishedAsync(accepted[0].Headers.Location!, Finish)).GetProperty("status").GetString());
        Assert.Equal(1L, await platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM accounts WHERE email_normalized = '{email}'"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Fifty_different_registrations_at_once_all_complete()
    {
        var started = Stopwatch.StartNew();
        var locations = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => platform.RegisterAsync(PlatformClient.NewEmail())));
        var ids = string.Join(",", locations.Select(l => $"'{SagaTestClient.RegistrationId(l)}'"));

        // Polled in authdb (what the status route reads): 50 clients polling through the gateway would meet its rate limit.
        await Eventually.ReturnsAsync(() => platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM registrations WHERE id IN ({ids}) AND status <> 'pending'"),
            n => n == 50, TimeSpan.FromSeconds(120), "all 50 registrations finish");
        Assert.Equal(50L, await platform.QueryScalarAsync<long>("authdb", $"SELECT count(*) FROM registrations WHERE id IN ({ids}) AND status = 'completed'"));
        output.WriteLine($"50 registrations at once: all completed {started.Elapsed.TotalSeconds:0.0} s after the first request");
    }

    [Fact]
    public async Task A_step_that_fails_for_a_while_is_retried_and_redelivered_until_it_succeeds()
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(3).ToUnixTimeMilliseconds();
        var location = await platform.RegisterAsync(PlatformClient.NewEmail(), $"profile=throw-until:{until}");
        var sagaId = SagaTestClient.RegistrationId(location);

        Assert.Equal("completed", (await platform.FinishedAsync(location, Finish)).GetProperty("status").GetString());
        var command = await platform.QueryScalarAsync<string>("authdb", $"SELECT headers->>'message-id' FROM outbox_messages WHERE key = '{sagaId}' AND topic = 'users'");
        Assert.True(await platform.QueryScalarAsync<long>("usersdb",
            $"SELECT count(*) FROM outbox_messages WHERE key = '{command}' AND (headers->>'{BusHeaders.Redelivery}')::int >= 1") >= 1, "the command came back through the durable schedule");
    }

    [Fact]
    public async Task A_message_that_cannot_be_processed_waits_in_the_error_queue_and_a_replay_completes_the_saga()
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(5);
        var location = await platform.RegisterAsync(PlatformClient.NewEmail(), $"profile=crash-until:{until.ToUnixTimeMilliseconds()}");
        var sagaId = SagaTestClient.RegistrationId(location);
        var errors = new BusErrors(await BusSettingsAsync("users"));
        var messageId = await Eventually.ReturnsAsync(
            () => platform.QueryScalarAsync<object>("authdb", $"SELECT headers->>'message-id' FROM outbox_messages WHERE key = '{sagaId}' AND topic = 'users'"),
            id => id is string, TimeSpan.FromSeconds(30), "the profile command is sent") as string ?? "";

        var parked = await Eventually.ReturnsAsync(() => errors.ListAsync(100, CancellationToken.None), l => l.Any(m => m.MessageId == messageId),
            TimeSpan.FromSeconds(10), "the message reaches the error queue");
        Assert.Contains("cannot process this message", parked.Single(m => m.MessageId == messageId).Exception, StringComparison.Ordinal);
        while (DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(until - DateTimeOffset.UtcNow); // the injected fault's window: the cause is "fixed" when it ends
        }

        Assert.True(await errors.ReplayAsync(messageId, CancellationToken.None));
        Assert.Equal("completed", (await platform.FinishedAsync(location, TimeSpan.FromSeconds(15))).GetProperty("status").GetString());
        Assert.DoesNotContain(await errors.ListAsync(100, CancellationToken.None), m => m.MessageId == messageId);
    }

    [Fact]
    public async Task Of_two_answers_to_one_saga_decided_on_the_same_version_only_one_is_written()
    {
        var location = await platform.RegisterAsync(PlatformClient.NewEmail());
        await platform.FinishedAsync(location, Finish);
        var sagaId = SagaTestClient.RegistrationId(location);
        await using var db = NpgsqlDataSource.Create(await platform.ConnectionStringAsync("authdb"));
        await using var first = await db.OpenConnectionAsync();
        await using var second = await db.OpenConnectionAsync();
        var state = (await SagaStore.FindAsync(first, null, sagaId, CancellationToken.None))!;

        await using var a = await first.BeginTransactionAsync();
        await using var b = await second.BeginTransactionAsync();
        await SagaStore.UpdateAsync(first, a, state with { Error = "a" }, state.Version, CancellationToken.None);
        var loser = SagaStore.UpdateAsync(second, b, state with { Error = "b" }, state.Version, CancellationToken.None); // waits for a's row lock
        await a.CommitAsync();

        await Assert.ThrowsAsync<SagaConcurrencyException>(() => loser);
        Assert.Equal("a", await platform.QueryScalarAsync<string>("authdb", $"SELECT error FROM sagas WHERE id = '{sagaId}'"));
    }

    private async Task<BusSettings> BusSettingsAsync(string queue)
    {
        return BusSettings.Parse(await platform.ConnectionStringAsync("messaging"), queue);
    }
}
