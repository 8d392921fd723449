using Microsoft.AspNetCore.Mvc;
using Platform.ServiceDefaults.Problems;
using Yarp.ReverseProxy.Forwarder;

namespace Platform.Gateway;

/// <summary>
/// YARP answers a dead or unavailable upstream with a bare status code; this turns it into problem+json
/// (502 upstream refused/failed, 503 + Retry-After when no healthy replica is left, 504 on timeout).
/// </summary>
internal static class UpstreamProblems
{
    public static async Task WriteAsync(HttpContext context, Func<Task> next)
    {
        await next();
        var status = context.Response.StatusCode;
        if (context.Response.HasStarted || status < 500)
        {
            return;
        }

        var error = context.GetForwarderErrorFeature()?.Error;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "2";
        }

        var detail = error switch
        {
            ForwarderError.RequestTimedOut => "The upstream service did not answer within the route's time budget.",
            null when status == 503 => "No healthy instance of the upstream service is available.",
            not null => $"The upstream service could not be reached ({error}).",
            _ => null,
        };
        if (detail is null)
        {
            return; // the upstream's own 5xx passes through as it is
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Title = "Upstream unavailable", Detail = detail },
        });
    }
}
