using System.Diagnostics;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.Hosting;

public static class ReadyAnnouncement
{
    /// <summary>
    /// Prints one line when every resource of the graph is healthy (<c>Platform ready in N.N s</c>, counted from the
    /// AppHost's start), and which resource is still starting every 15 s until then.
    /// </summary>
    public static IDistributedApplicationBuilder AnnounceWhenReady(this IDistributedApplicationBuilder builder, string applicationName = "Platform")
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return builder;
        }

        var clock = Stopwatch.StartNew();
        builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((e, cancellationToken) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var resources = StartupResources.Of(e.Model);
            _ = Task.Run(async () =>
            {
                try
                {
                    var waiting = resources.ToDictionary(r => r.Name, r => (Task)notifications.WaitForResourceHealthyAsync(r.Name, WaitBehavior.WaitOnResourceUnavailable, cancellationToken));
                    while (waiting.Count > 0)
                    {
                        var patience = Task.Delay(TimeSpan.FromSeconds(15), cancellationToken);
                        var first = await Task.WhenAny(waiting.Values.Append(patience));
                        foreach (var done in waiting.Where(w => w.Value.IsCompletedSuccessfully).Select(w => w.Key).ToList())
                        {
                            waiting.Remove(done);
                        }

                        if (first == patience && waiting.Count > 0)
                        {
                            Console.WriteLine($"Still starting after {clock.Elapsed.TotalSeconds:0} s: {string.Join(", ", waiting.Keys)}");
                        }
                    }

                    Console.WriteLine($"{applicationName} ready in {clock.Elapsed.TotalSeconds:0.0} s: {resources.Count} resources healthy. Press Ctrl+C to stop.");
                }
                catch (OperationCanceledException)
                {
                    // stopped before it was ready
                }
            }, cancellationToken);
            return Task.CompletedTask;
        });
        return builder;
    }
}
