using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Platform.ServiceDefaults.Problems;

namespace Platform.Gateway;

/// <summary>
/// A token bucket per client: per user for authenticated calls, per remote address otherwise. Over the
/// limit: 429 problem+json with Retry-After. Limits come from configuration (RateLimiting:*).
/// </summary>
internal static class RateLimiting
{
    public static IServiceCollection AddGatewayRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        var burst = configuration.GetValue("RateLimiting:Burst", 100);
        var perSecond = configuration.GetValue("RateLimiting:TokensPerSecond", 50);
        return services.AddRateLimiter(options =>
        {
            options.AddPolicy(GatewayRoutes.RateLimitPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.FindFirstValue("sub") is { } user ? $"user:{user}" : $"ip:{context.Connection.RemoteIpAddress}",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails { Status = 429, Type = ProblemTypes.TooManyRequests, Title = "Too many requests", Detail = $"Rate limit exceeded; retry after {retryAfter} s." },
                });
            };
        });
    }
}
