using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Messaging.Bus;

public static class BusOperatorEndpoints
{
    /// <summary>
    /// <c>GET /internal/bus/errors</c> lists this service's error queue; <c>POST /internal/bus/errors/{messageId}/replay</c>
    /// sends one message back to its queue. Service tokens only; the gateway does not route /internal.
    /// </summary>
    public static IEndpointRouteBuilder MapBusOperatorEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/internal/bus/errors").RequireAuthorization(ServicePolicies.Service);
        ops.MapGet("", (BusErrors errors, CancellationToken ct) => errors.ListAsync(100, ct));
        ops.MapPost("/{messageId}/replay", async (string messageId, BusErrors errors, CancellationToken ct)
            => await errors.ReplayAsync(messageId, ct) ? Results.Accepted() : Problem.NotFound("There is no such message in the error queue."));
        return app;
    }
}
