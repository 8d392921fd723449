using System.Net.Http.Json;
using Npgsql;

namespace Platform.Benchmarks;

/// <summary>Registration is a saga: register, wait for it to finish (read from authdb, which the status route serves), then log in.</summary>
internal static class Registrations
{
    public const string Password = "correct horse battery staple";

    /// <summary>Registers and returns the registration id once it is no longer pending (with its final status).</summary>
    public static async Task<(Guid Id, string Status)> RegisterAsync(HttpClient gateway, NpgsqlDataSource authdb, string email, string? faults = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/register") { Content = JsonContent.Create(new { email, password = Password, displayName = "Bench" }) };
        if (faults is not null)
        {
            request.Headers.Add(Sagas.SagaFaults.HeaderName, faults);
        }

        using var response = await gateway.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var id = Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
        await using var status = authdb.CreateCommand("SELECT status FROM registrations WHERE id = $1");
        status.Parameters.Add(new() { Value = id });
        while (true)
        {
            if ((string?)await status.ExecuteScalarAsync() is { } current and not "pending")
            {
                return (id, current);
            }

            await Task.Delay(5);
        }
    }

    public static async Task<string> SignUpAsync(HttpClient gateway, NpgsqlDataSource authdb, string email)
    {
        var (_, status) = await RegisterAsync(gateway, authdb, email);
        if (status != "completed")
        {
            throw new InvalidOperationException($"Registration of {email} ended {status}.");
        }

        using var login = await gateway.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("accessToken").GetString()!;
    }
}
