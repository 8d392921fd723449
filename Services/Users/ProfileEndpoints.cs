using System.Security.Claims;
using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Users;

public sealed record ProfileView(Guid UserId, Guid TenantId, string Email, string DisplayName);

public sealed record CreateProfileRequest(Guid? UserId, Guid? TenantId, string? Email, string? DisplayName);

/// <summary>Every query runs in a tenant transaction: Postgres itself hides other tenants' rows.</summary>
internal static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this WebApplication app)
    {
        app.MapGet("/api/users/me", GetMeAsync).RequireAuthorization();

        // Called by the auth service during registration; never routed by the gateway.
        var internalApi = app.MapGroup("/internal/users").RequireAuthorization(ServicePolicies.Service);
        internalApi.MapPut("/{userId:guid}", PutProfileAsync);
        internalApi.MapDelete("/{userId:guid}", DeleteProfileAsync);
    }

    private static async Task<IResult> GetMeAsync(ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, user.GetTenantId(), cancellationToken);
        await using var select = scope.Command("SELECT user_id, tenant_id, email, display_name FROM profiles WHERE user_id = $1", user.GetUserId());
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? Results.Ok(new ProfileView(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)))
            : Problem.NotFound("There is no profile for this user.");
    }

    /// <summary>Idempotent: the same profile twice is one profile.</summary>
    private static async Task<IResult> PutProfileAsync(Guid userId, CreateProfileRequest request, NpgsqlDataSource db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request.TenantId is not { } tenantId || string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrWhiteSpace(request.DisplayName) || request.UserId is { } id && id != userId)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["profile"] = ["tenantId, email and displayName are required; userId must match the route."] });
        }

        await using var scope = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var insert = scope.Command(
            "INSERT INTO profiles (user_id, tenant_id, email, display_name, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING",
            userId, tenantId, request.Email, request.DisplayName, clock.GetUtcNow());
        var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
        await scope.CommitAsync(cancellationToken);
        return created ? Results.Created($"/internal/users/{userId}", null) : Results.NoContent();
    }

    private static async Task<IResult> DeleteProfileAsync(Guid userId, Guid tenantId, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var scope = await TenantTransaction.BeginAsync(db, tenantId, cancellationToken);
        await using var delete = scope.Command("DELETE FROM profiles WHERE user_id = $1", userId);
        await delete.ExecuteNonQueryAsync(cancellationToken);
        await scope.CommitAsync(cancellationToken);
        return Results.NoContent();
    }
}
