using System.Net;

namespace Platform.IntegrationTests.Infrastructure;

/// <summary>
/// A client's side of load shedding: a service that cannot take a request now answers 503 with Retry-After (its database
/// circuit open, or its database slower than its budget on a saturated machine), and the gateway 504 when a service
/// overran the route's budget or 502 when its connection to one broke; a well-behaved client sends an idempotent request again after the wait. The burst tests
/// (a hundred checkouts at once, fifty uploads) send through this, so they assert what the burst must not break (no
/// oversold stock, every file whole) whether or not the machine had to shed some of it first.
/// </summary>
public static class Overload
{
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(5);

    /// <summary>Sends <paramref name="request"/> (a new message each time) until it is not shed, or <paramref name="timeout"/> runs out (then the last answer).</summary>
    public static async Task<HttpResponseMessage> SendIdempotentAsync(HttpClient client, Func<HttpRequestMessage> request, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var message = request();
            var response = await client.SendAsync(message);
            if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.BadGateway) || DateTime.UtcNow >= deadline)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait < LongestWait ? wait : LongestWait); // the server's Retry-After: the protocol's wait, not a guess
        }
    }
}
