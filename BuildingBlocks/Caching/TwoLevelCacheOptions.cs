namespace Platform.Caching;

public sealed class TwoLevelCacheOptions
{
    /// <summary>How long a replica keeps an entry in memory; invalidation normally removes it much sooner.</summary>
    public TimeSpan L1TimeToLive { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan L2TimeToLive { get; set; } = TimeSpan.FromMinutes(10);

    public string InvalidationChannel { get; set; } = "platform:cache:invalidate";
}
