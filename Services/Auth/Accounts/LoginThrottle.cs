using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.Auth.Accounts;

/// <summary>
/// Counts failed logins per email in Redis; after <see cref="MaxFailures"/> within the window, logins for
/// that email get 429 until the window ends. Redis down: no throttling (logged), logins keep working.
/// </summary>
internal sealed class LoginThrottle(IConnectionMultiplexer redis, RedisCircuitBreaker breaker, ILogger<LoginThrottle> logger)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>How long the caller must wait, or null when a login may be attempted.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string email)
    {
        try
        {
            return await breaker.RunAsync("login-throttle-check", async () =>
            {
                var db = redis.GetDatabase();
                var key = Key(email);
                var count = await db.StringGetAsync(key);
                return count.HasValue && (long)count >= MaxFailures ? await db.KeyTimeToLiveAsync(key) ?? Window : (TimeSpan?)null;
            });
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogWarning(e, "Login throttle unavailable; allowing the attempt");
        }

        return null;
    }

    public async Task RecordFailureAsync(string email)
    {
        try
        {
            await breaker.RunAsync("login-throttle-count", async () =>
            {
                var db = redis.GetDatabase();
                if (await db.StringIncrementAsync(Key(email)) == 1)
                {
                    await db.KeyExpireAsync(Key(email), Window);
                }
            });
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogWarning(e, "Login throttle unavailable; failure not counted");
        }
    }

    public async Task ResetAsync(string email)
    {
        try
        {
            await breaker.RunAsync("login-throttle-reset", () => redis.GetDatabase().KeyDeleteAsync(Key(email)));
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogWarning(e, "Login throttle unavailable; failures not reset");
        }
    }

    private static string Key(string email) => $"auth:login-failures:{AccountStore.Normalize(email)}";
}
