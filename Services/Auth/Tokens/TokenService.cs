using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.Auth.Accounts;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Auth.Tokens;

public sealed record TokenPair(string AccessToken, string RefreshToken, int ExpiresIn, string TokenType = "Bearer");

internal enum RefreshOutcome
{
    Rotated,
    Reused,
    Invalid,
}

/// <summary>
/// Access tokens (RS256 JWT, short-lived) and refresh tokens (random, stored hashed, single use). Refresh
/// tokens form a family from one login; presenting a spent one means it leaked, so the family dies.
/// </summary>
internal sealed class TokenService(NpgsqlDataSource db, SigningKeys keys, RevokedTokens revoked, TimeProvider clock)
{
    public static readonly TimeSpan RefreshTokenLifetime = TimeSpan.FromDays(14);
    private static readonly TimeSpan ServiceTokenLifetime = TimeSpan.FromMinutes(5);
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private (string Token, DateTimeOffset Expires) _serviceToken;

    public async Task<TokenPair> IssueAsync(Account account, Guid family, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var refresh = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        await using var insert = db.CreateCommand("INSERT INTO refresh_tokens (token_hash, family_id, account_id, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
        insert.Parameters.Add(new() { Value = Hash(refresh) });
        insert.Parameters.Add(new() { Value = family });
        insert.Parameters.Add(new() { Value = account.Id });
        insert.Parameters.Add(new() { Value = now });
        insert.Parameters.Add(new() { Value = now + RefreshTokenLifetime });
        await insert.ExecuteNonQueryAsync(cancellationToken);

        var access = CreateJwt(now, RevokedTokens.AccessTokenLifetime, new Dictionary<string, object>
        {
            [PlatformClaims.UserId] = account.Id.ToString(),
            [PlatformClaims.TenantId] = account.TenantId.ToString(),
            [PlatformClaims.Email] = account.Email,
            [PlatformClaims.Name] = account.DisplayName,
            [PlatformClaims.Family] = family.ToString(),
        });
        return new TokenPair(access, refresh, (int)RevokedTokens.AccessTokenLifetime.TotalSeconds);
    }

    /// <summary>Spends the refresh token atomically (one of two concurrent uses wins) and issues the next pair of its family.</summary>
    public async Task<(RefreshOutcome Outcome, TokenPair? Tokens)> RefreshAsync(string refreshToken, AccountStore accounts, CancellationToken cancellationToken)
    {
        var hash = Hash(refreshToken);
        var now = clock.GetUtcNow();
        await using var spend = db.CreateCommand(
            "UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1 AND spent_at IS NULL AND revoked_at IS NULL AND expires_at > $2 RETURNING family_id, account_id");
        spend.Parameters.Add(new() { Value = hash });
        spend.Parameters.Add(new() { Value = now });
        await using (var reader = await spend.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                var family = reader.GetGuid(0);
                var accountId = reader.GetGuid(1);
                await reader.CloseAsync();
                var account = await accounts.FindByIdAsync(accountId, cancellationToken);
                return account is null ? (RefreshOutcome.Invalid, null) : (RefreshOutcome.Rotated, await IssueAsync(account, family, cancellationToken));
            }
        }

        await using var lookup = db.CreateCommand("SELECT family_id, spent_at IS NOT NULL FROM refresh_tokens WHERE token_hash = $1");
        lookup.Parameters.Add(new() { Value = hash });
        await using var existing = await lookup.ExecuteReaderAsync(cancellationToken);
        if (await existing.ReadAsync(cancellationToken) && existing.GetBoolean(1))
        {
            var family = existing.GetGuid(0);
            await existing.CloseAsync();
            await RevokeFamilyAsync(family, cancellationToken);
            return (RefreshOutcome.Reused, null);
        }

        return (RefreshOutcome.Invalid, null);
    }

    /// <summary>No refresh token of the family works again, and access tokens of the family are rejected until they expire.</summary>
    public async Task RevokeFamilyAsync(Guid family, CancellationToken cancellationToken)
    {
        await using var revoke = db.CreateCommand("UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL");
        revoke.Parameters.Add(new() { Value = family });
        revoke.Parameters.Add(new() { Value = clock.GetUtcNow() });
        await revoke.ExecuteNonQueryAsync(cancellationToken);
        await revoked.RevokeFamilyAsync(family.ToString());
    }

    /// <summary>A short-lived token with the service role, for the auth service's own calls to other services.</summary>
    public string ServiceToken()
    {
        var now = clock.GetUtcNow();
        var cached = _serviceToken;
        if (cached.Expires - now > TimeSpan.FromMinutes(1))
        {
            return cached.Token;
        }

        var token = CreateJwt(now, ServiceTokenLifetime, new Dictionary<string, object> { [PlatformClaims.UserId] = "auth", [PlatformClaims.Role] = PlatformClaims.ServiceRole });
        _serviceToken = (token, now + ServiceTokenLifetime);
        return token;
    }

    private string CreateJwt(DateTimeOffset now, TimeSpan lifetime, Dictionary<string, object> claims)
    {
        claims[PlatformClaims.TokenId] = Guid.NewGuid().ToString("N");
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = PlatformClaims.Issuer,
            Audience = PlatformClaims.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + lifetime).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(keys.Current, SecurityAlgorithms.RsaSha256),
        });
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
