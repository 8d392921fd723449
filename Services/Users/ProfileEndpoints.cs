using System.Security.Claims;
using Npgsql;
using Platform.Postgres;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Users;

public sealed record ProfileView(Guid UserId, Guid TenantId, string Email, string DisplayName);

/// <summary>Every query runs in a tenant transaction: Postgres itself hides other tenants' rows. (Profiles are created by the registration saga: <see cref="ProfileStep"/>.)</summary>
internal static class ProfileEndpoints
{
    public static void MapProfileEndpoints(this WebApplication app)
    {
        app.MapGet("/api/users/me", GetMeAsync).RequireAuthorization();
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
}
