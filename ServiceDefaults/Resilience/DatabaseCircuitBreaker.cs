using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Platform.ServiceDefaults.Problems;
using Polly;
using Polly.CircuitBreaker;

namespace Platform.ServiceDefaults.Resilience;

/// <summary>
/// A Polly circuit breaker around each request of a service that uses Postgres. A request that failed because the
/// database was unreachable, timed out or shutting down counts (its problem response marks it, whichever exception
/// handler wrote it); when half of at least 3 requests in 10 s fail, the circuit opens for 5 s and requests are answered
/// 503 + Retry-After at once instead of waiting on a dead database. One trial request goes through after the break;
/// its success closes the circuit.
/// </summary>
public sealed class DatabaseCircuitBreaker
{
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);

    private const string OutageKey = "platform.database-outage";

    private readonly ResiliencePipeline<bool> _pipeline = new ResiliencePipelineBuilder<bool>()
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions<bool>
        {
            FailureRatio = 0.5,
            MinimumThroughput = 3,
            SamplingDuration = TimeSpan.FromSeconds(10),
            BreakDuration = BreakDuration,
            ShouldHandle = new PredicateBuilder<bool>().HandleResult(outage => outage).Handle<Exception>(IsDatabaseOutage),
        })
        .Build();

    /// <summary>Database trouble the caller cannot fix by changing the request (as opposed to a constraint violation, say).</summary>
    public static bool IsDatabaseOutage(Exception exception) => ResilienceRules.IsTransient(exception);

    /// <summary>Called where an exception becomes a problem response: remembers that this request failed on the database.</summary>
    public static void NoteOutage(HttpContext context, Exception exception)
    {
        if (IsDatabaseOutage(exception))
        {
            context.Items[OutageKey] = true;
        }
    }

    internal async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (Health.HealthExtensions.IsProbe(context.Request.Path))
        {
            await next();
            return;
        }

        try
        {
            await _pipeline.ExecuteAsync(async _ =>
            {
                await next();
                return context.Items.ContainsKey(OutageKey);
            }, context.RequestAborted);
        }
        catch (BrokenCircuitException open) when (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((open.RetryAfter ?? BreakDuration).TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = ExceptionProblemHandler.ToProblem(open),
            });
        }
    }
}
