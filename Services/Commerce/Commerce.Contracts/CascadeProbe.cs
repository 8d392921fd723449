using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.Commerce.Contracts;

/// <summary>
/// What the catalog's <c>/api/v1/health/cascade</c> calls on inventory and pricing: answers at once, or fails (503) or
/// never answers, as the caller asks, to show the cascade's timeout and circuit breaker on real calls (internal: the
/// gateway does not route /internal).
/// </summary>
public static class CascadeProbe
{
    public const string Path = "/internal/cascade";

    public static IEndpointRouteBuilder MapCascadeProbe(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, async (bool? fail, bool? hang, CancellationToken cancellationToken) =>
        {
            if (hang == true)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken); // until the caller gives up
            }

            return fail == true ? Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Failing on request") : Results.Ok(new { status = "ok" });
        });
        return app;
    }
}
