namespace Platform.Hosting;

/// <summary>
/// Lets the test host run an AppHost's own Program (the same graph code as <c>dotnet run</c>) and take the
/// builder instead of running it. Scoped to the calling async flow, so parallel tests do not see each other.
/// </summary>
internal static class DistributedApplicationTestHook
{
    private static readonly AsyncLocal<Capture?> Current = new();

    public static bool IsActive => Current.Value is not null;

    public static Capture Begin(Action<DistributedApplicationOptions> configureOptions)
    {
        var capture = new Capture(configureOptions);
        Current.Value = capture;
        return capture;
    }

    public static void End() => Current.Value = null;

    public static void ConfigureOptions(DistributedApplicationOptions options) => Current.Value?.ConfigureOptions(options);

    public static void OnBuilding(IDistributedApplicationBuilder builder)
    {
        if (Current.Value is { } capture)
        {
            capture.Builder = builder;
        }
    }

    internal sealed class Capture(Action<DistributedApplicationOptions> configureOptions)
    {
        public Action<DistributedApplicationOptions> ConfigureOptions { get; } = configureOptions;

        public IDistributedApplicationBuilder? Builder { get; set; }
    }
}
