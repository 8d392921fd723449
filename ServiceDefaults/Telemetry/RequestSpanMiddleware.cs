using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Platform.ServiceDefaults.Telemetry;

/// <summary>
/// Names ASP.NET Core's own request activity after the request (<c>POST /api/auth/login</c>) and tags it with the HTTP
/// semantic conventions (method, path, route, status; 5xx as an error). .NET emits the activity natively but bare; the
/// OpenTelemetry instrumentation package that would fill it in is not available here. Health probes are not traced.
/// </summary>
internal sealed class RequestSpanMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (Activity.Current is not { } activity)
        {
            await next(context);
            return;
        }

        if (Health.HealthExtensions.IsProbe(context.Request.Path))
        {
            NoiseFilter.Drop(activity); // a trace a second per probe would bury the traces worth reading
            await next(context);
            return;
        }

        activity.SetTag("http.request.method", context.Request.Method);
        activity.SetTag("url.path", context.Request.Path.Value);
        try
        {
            await next(context);
        }
        finally
        {
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
            activity.DisplayName = route is null ? context.Request.Method : $"{context.Request.Method} {route}";
            activity.SetTag("http.route", route);
            activity.SetTag("http.response.status_code", context.Response.StatusCode);
            if (context.Response.StatusCode >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }
}
