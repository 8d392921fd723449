using System.Security.Claims;

namespace Platform.ServiceDefaults.Authentication;

/// <summary>The claims every platform token carries, and the issuer/audience they are checked against.</summary>
public static class PlatformClaims
{
    public const string Issuer = "platform-auth";
    public const string Audience = "platform";
    public const string UserId = "sub";
    public const string TenantId = "tid";
    public const string Email = "email";
    public const string Name = "name";
    public const string TokenId = "jti";
    public const string Family = "fam";
    public const string Role = "role";

    /// <summary>Role of tokens the auth service mints for service-to-service calls.</summary>
    public const string ServiceRole = "service";

    public static Guid GetUserId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(UserId) ?? throw new InvalidOperationException("No user id claim."));

    public static Guid GetTenantId(this ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(TenantId) ?? throw new InvalidOperationException("No tenant claim."));
}
