using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Correlation;

namespace Platform.ServiceDefaults.Problems;

internal static class ProblemDetailsExtensions
{
    /// <summary>Every error body is RFC 9457 problem+json with a stable type, the trace and correlation ids, and never a stack trace.</summary>
    public static IServiceCollection AddPlatformProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (context.Exception is { } exception)
            {
                // ASP.NET's developer exception page (on in Development) writes through here too, with the
                // exception attached: replace its body by the same one the exception handler would write.
                var mapped = ExceptionProblemHandler.ToProblem(exception);
                context.ProblemDetails = mapped;
                context.HttpContext.Response.StatusCode = mapped.Status!.Value;
                Resilience.DatabaseCircuitBreaker.NoteOutage(context.HttpContext, exception);
            }

            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
            {
                problem.Type = ProblemTypes.ForStatus(status);
            }

            problem.Instance ??= context.HttpContext.Request.Path;
            problem.Extensions["traceId"] = Activity.Current?.TraceId.ToHexString() ?? context.HttpContext.TraceIdentifier;
            if (CorrelationId.Current is { } correlationId)
            {
                problem.Extensions["correlationId"] = correlationId;
            }
        });
        services.AddExceptionHandler<ExceptionProblemHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true); // binding errors reach the handler with their reason
        return services;
    }

    public static void UsePlatformProblemDetails(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
    }
}

/// <summary>Bad input is the client's 4xx with the reason; anything else is a 500 that says nothing of the internals.</summary>
internal sealed class ExceptionProblemHandler(IProblemDetailsService problems, ILogger<ExceptionProblemHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ToProblem(exception);
        Resilience.DatabaseCircuitBreaker.NoteOutage(context, exception);
        if (problem.Status == 500)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
        }

        context.Response.StatusCode = problem.Status!.Value;
        context.Response.Headers.Remove("Cache-Control");
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            var wait = exception is Polly.CircuitBreaker.BrokenCircuitException { RetryAfter: { } retryAfter } ? retryAfter : Resilience.DatabaseCircuitBreaker.BreakDuration;
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // The exception stays out of the context: in Development the writer would serialize it, stack and all.
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    public static ProblemDetails ToProblem(Exception exception)
    {
        if (exception is BadHttpRequestException bad)
        {
            var status = bad.StatusCode;
            var detail = status switch
            {
                StatusCodes.Status413PayloadTooLarge => "The request body is larger than this endpoint accepts.",
                StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
                _ => Describe(bad),
            };
            return new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Title = "Bad request", Detail = detail };
        }

        if (exception is Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new ProblemDetails { Status = 503, Type = ProblemTypes.DependencyUnavailable, Title = "Dependency unavailable", Detail = "A dependency of the service is failing: its circuit is open, and calls are refused until it recovers." };
        }

        if (Resilience.DatabaseCircuitBreaker.IsDatabaseOutage(exception))
        {
            return new ProblemDetails { Status = 503, Type = ProblemTypes.DependencyUnavailable, Title = "Dependency unavailable", Detail = "The service's database did not answer in time." };
        }

        return new ProblemDetails { Status = 500, Type = ProblemTypes.Internal, Title = "Internal error", Detail = "The server failed to handle the request." };
    }

    /// <summary>Where the JSON broke, without echoing exception text (which can carry internals).</summary>
    private static string Describe(BadHttpRequestException bad)
    {
        for (var inner = bad.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Text.Json.JsonException json)
            {
                return json.Path is { Length: > 1 } path
                    ? $"The request body is not valid JSON for this endpoint (at {path}, line {json.LineNumber + 1}, byte {json.BytePositionInLine})."
                    : $"The request body is not valid JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).";
            }
        }

        return bad.Message.Contains("body was provided", StringComparison.Ordinal) ? "A JSON request body is required." : "The request is malformed.";
    }
}
