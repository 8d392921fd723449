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
        ProblemDetails problem;
        if (exception is BadHttpRequestException bad)
        {
            var status = bad.StatusCode;
            var detail = status == StatusCodes.Status413PayloadTooLarge
                ? "The request body is larger than this endpoint accepts."
                : bad.InnerException is System.Text.Json.JsonException json ? $"The request body is not valid JSON for this endpoint: {json.Message}" : bad.Message;
            problem = new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Title = "Bad request", Detail = detail };
        }
        else
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new ProblemDetails { Status = 500, Type = ProblemTypes.Internal, Title = "Internal error", Detail = "The server failed to handle the request." };
        }

        context.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
