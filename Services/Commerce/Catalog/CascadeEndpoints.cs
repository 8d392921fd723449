using Polly.CircuitBreaker;
using Platform.Commerce.Contracts;
using Platform.ServiceDefaults.Problems;

namespace Platform.Catalog;

/// <summary>
/// <c>GET /api/v1/health/cascade?failure_mode=none|timeout|inventory|pricing</c>: the seed's resilience demonstration on
/// real calls. The catalog asks inventory and pricing at once, within <c>Commerce:CascadeBudget</c> (2 s, inside the
/// gateway's 5 s): <c>timeout</c> makes inventory hang, so the answer is a 504 problem at the budget; <c>inventory</c> or
/// <c>pricing</c> makes that service fail, a 502 problem; once half of at least 10 calls in 10 s have failed, its circuit
/// opens and calls fail fast with a 503 problem and Retry-After, until a trial call after the 5 s break succeeds.
/// </summary>
internal static class CascadeEndpoints
{
    /// <summary>The cascade's own clients: their circuits are not the product queries' (there is one per named client and host).</summary>
    public const string InventoryClientName = "cascade-inventory";
    public const string PricingClientName = "cascade-pricing";

    private static readonly string[] Modes = ["none", "timeout", "inventory", "pricing"];

    public static void MapCascadeEndpoints(this WebApplication app)
        => app.MapGet("/api/v1/health/cascade", async ([Microsoft.AspNetCore.Mvc.FromQuery(Name = "failure_mode")] string? failureMode,
            IHttpClientFactory clients, IConfiguration configuration, TimeProvider clock, CancellationToken cancellationToken) =>
        {
            var mode = failureMode ?? "none";
            if (!Modes.Contains(mode))
            {
                return Problem.Validation(new Dictionary<string, string[]> { ["failure_mode"] = [$"One of: {string.Join(", ", Modes)}."] });
            }

            var budget = configuration.GetValue("Commerce:CascadeBudget", TimeSpan.FromSeconds(2));
            using var timeout = new CancellationTokenSource(budget, clock);
            using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            var calls = new (string Name, Task Call)[]
            {
                ("inventory", ProbeAsync(clients.CreateClient(InventoryClientName), mode == "inventory", mode == "timeout", call.Token)),
                ("pricing", ProbeAsync(clients.CreateClient(PricingClientName), mode == "pricing", hang: false, call.Token)),
            };
            try
            {
                await Task.WhenAll(calls.Select(c => c.Call));
                return Results.Ok(new { failureMode = mode, inventory = "ok", pricing = "ok" });
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                var (name, failed) = calls.First(c => c.Call.IsFaulted || c.Call.IsCanceled);
                return failed.Exception?.InnerException switch
                {
                    // The platform's problem handler answers it: 503 with Retry-After, from the seconds the circuit stays open.
                    BrokenCircuitException open => throw open,
                    _ when timeout.IsCancellationRequested => Problem.Of(504, ProblemTypes.UpstreamTimeout, "Timed out", $"{name} did not answer within {budget.TotalSeconds:0.#} s."),
                    var e => Problem.Of(502, ProblemTypes.UpstreamUnavailable, "Dependency failed", $"{name} failed: {e?.Message}"),
                };
            }
        });

    private static async Task ProbeAsync(HttpClient http, bool fail, bool hang, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"{CascadeProbe.Path}?fail={fail}&hang={hang}".ToLowerInvariant(), cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
