using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Platform.Hosting;

/// <summary>The resources a started graph waits for, and the wait itself with a failure that says why.</summary>
public static class StartupResources
{
    /// <summary>
    /// Every resource that starts with the graph: not parameters, nor edges (whose state is their faults), nor hidden
    /// helpers that start only when asked (Aspire's project rebuilders).
    /// </summary>
    public static IReadOnlyList<IResource> Of(DistributedApplicationModel model)
        => model.Resources.Where(r => r is not (ParameterResource or Chaos.EdgeResource)
                                      && !r.HasAnnotationOfType<ExplicitStartupAnnotation>()
                                      && !(r.TryGetLastAnnotation<ResourceSnapshotAnnotation>(out var snapshot) && snapshot.InitialSnapshot.IsHidden))
            .ToList();

    /// <summary>
    /// Waits until every resource is healthy. A resource that fails to start, exits, or is still unhealthy at the deadline
    /// fails the wait at once with its last log lines, instead of a silent wait for the full timeout.
    /// </summary>
    public static async Task WaitForAllHealthyAsync(this DistributedApplication app, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var resources = Of(app.Services.GetRequiredService<DistributedApplicationModel>());
        var waits = resources.Select(async r =>
        {
            try
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(r.Name, WaitBehavior.StopOnResourceUnavailable, deadline.Token);
                return null;
            }
            catch (Exception e) when (e is DistributedApplicationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await deadline.CancelAsync(); // one failure is enough: stop waiting for the rest
                return r;
            }
        }).ToList();
        var failed = (await Task.WhenAll(waits)).OfType<IResource>().ToList();
        if (failed.Count == 0)
        {
            return;
        }

        var report = new List<string>();
        foreach (var resource in failed.Where(r => !IsHealthy(app, r)))
        {
            report.Add($"--- {resource.Name}: {Describe(app, resource)}; last log lines:");
            report.AddRange(await app.LastLogLinesAsync(resource.Name, 25));
        }

        throw new DistributedApplicationException($"The graph did not become healthy within {timeout.TotalSeconds:0} s.{Environment.NewLine}{string.Join(Environment.NewLine, report)}");
    }

    private static bool IsHealthy(DistributedApplication app, IResource resource)
        => app.ResourceNotifications.TryGetCurrentState(resource.Name, out var e) && e.Snapshot.HealthStatus == HealthStatus.Healthy;

    private static string Describe(DistributedApplication app, IResource resource)
        => app.ResourceNotifications.TryGetCurrentState(resource.Name, out var e)
            ? $"{e.Snapshot.State?.Text ?? "no state"}, health {e.Snapshot.HealthStatus?.ToString() ?? "unknown"}{(e.Snapshot.ExitCode is { } code ? $", exit code {code}" : "")}"
            : "no state";

    /// <summary>The last <paramref name="count"/> console lines of a resource (of every replica), for a failure message.</summary>
    public static async Task<IReadOnlyList<string>> LastLogLinesAsync(this DistributedApplication app, string resourceName, int count)
    {
        var resource = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resourceName);
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(resource).WithCancellation(timeout.Token))
            {
                lines.AddRange(batch.Select(l => l.Content));
            }
        }
        catch (OperationCanceledException)
        {
        }

        return lines.TakeLast(count).ToList();
    }
}
