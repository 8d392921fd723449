using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.ServiceDefaults.Authentication;

/// <summary>
/// Revocation list in Redis: a revoked refresh family (logout, reuse detected) is remembered until the access tokens
/// issued in it expire; every access token names its family, so one lookup per authenticated request covers them all.
/// When Redis cannot be reached the check fails open and logs: tokens are still verified by signature
/// and expiry, and live at most <see cref="AccessTokenLifetime"/>. Availability over a short window of
/// stale revocation is the documented trade-off.
/// Behind Sentinels (a primary with replicas), a revocation waits up to 100 ms for a replica to hold it too (Redis's
/// WAIT), so a failover right after a logout does not bring the token back; past that it is answered anyway and logged
/// (WAIT holds the multiplexer's one connection, so the bound is short).
/// </summary>
public sealed class RevokedTokens(IConnectionMultiplexer redis, RedisCircuitBreaker breaker, ILogger<RevokedTokens> logger)
{
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(15);

    /// <summary>How long a revocation waits for a replica to acknowledge it before it is answered anyway (and logged).</summary>
    private const int ReplicaWaitMilliseconds = 100;

    private readonly bool _replicated = !string.IsNullOrEmpty(ConfigurationOptions.Parse(redis.Configuration).ServiceName);

    public Task RevokeFamilyAsync(string family) => breaker.RunAsync("revoke-family", async () =>
    {
        var db = redis.GetDatabase();
        await db.StringSetAsync(FamilyKey(family), "1", AccessTokenLifetime);
        await OnAReplicaAsync(db);
    });

    private async Task OnAReplicaAsync(IDatabase db)
    {
        if (_replicated && (long)await db.ExecuteAsync("WAIT", 1, ReplicaWaitMilliseconds) < 1)
        {
            logger.LogWarning("No replica acknowledged a revocation within {Milliseconds} ms; a failover now could lose it", ReplicaWaitMilliseconds);
        }
    }

    public async Task<bool> IsRevokedAsync(string? family)
    {
        if (family is null)
        {
            return false; // a service's own token belongs to no family, and is never revoked
        }

        try
        {
            return await breaker.RunAsync("revocation-check", () => redis.GetDatabase().KeyExistsAsync(FamilyKey(family)));
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogWarning(e, "Revocation list unreachable; accepting a token that is valid by signature and expiry");
            return false;
        }
    }

    private static string FamilyKey(string family) => $"auth:revoked:family:{family}";
}
