using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.Caching;

/// <summary>
/// Read-through cache: L1 (this process) then L2 (Redis) then the loader. Entries carry their source version and
/// never go backwards: a writer, after committing version N, leaves a version-N marker in both levels and publishes
/// it, so a reader that loaded an older version cannot put it back, and other replicas drop older entries as soon as
/// the message arrives. While the invalidation subscription is down, L1 is bypassed (no replica can miss a write it
/// did not see); while Redis is down, reads go to the loader: slower, not broken. The subscription counts as up only
/// while this replica keeps receiving its own heartbeat through it (connection events alone proved too optimistic
/// after a Redis restart), and L1 is emptied whenever it comes back.
/// </summary>
public sealed class TwoLevelCache(IConnectionMultiplexer redis, RedisCircuitBreaker breaker, IMemoryCache memory, TwoLevelCacheOptions options, TimeProvider clock, ILogger<TwoLevelCache> logger) : BackgroundService
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan HeartbeatTimeout = TimeSpan.FromSeconds(1);
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);
    private long _lastHeartbeatTicks;
    private bool _l1WasUsable;

    // Entries are "version|json"; "version|" marks an invalidation. Set unless Redis holds a newer version, or the
    // same version as data (a marker of version N gives way to the data of version N, never the other way round).
    private const string SetIfNewerScript = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local version = tonumber(string.match(current, '^(%d+)|'))
          local incoming = tonumber(ARGV[1])
          local currentIsData = string.len(current) > string.len(tostring(version)) + 1
          if version and (version > incoming or (version == incoming and (ARGV[2] == '' or currentIsData))) then return 0 end
        end
        redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    private static readonly Meter Meter = new("Platform.Caching");
    private static readonly Counter<long> Hits = Meter.CreateCounter<long>("platform.cache.hits", description: "Cache reads answered by L1 or L2 (tag level).");
    private static readonly Counter<long> Misses = Meter.CreateCounter<long>("platform.cache.misses", description: "Cache reads that went to the source.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        redis.ConnectionFailed += (_, _) => Interlocked.Exchange(ref _lastHeartbeatTicks, 0);
        var subscribed = false;
        using var timer = new PeriodicTimer(HeartbeatInterval, clock);
        try
        {
            do
            {
                subscribed = await BeatAsync(subscribed);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private async Task<bool> BeatAsync(bool subscribed)
    {
        try
        {
            if (!subscribed)
            {
                await breaker.RunAsync("cache-subscribe", () => redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(options.InvalidationChannel), (_, message) => OnMessage(message)));
            }

            await breaker.RunAsync("cache-heartbeat", () => redis.GetSubscriber().PublishAsync(RedisChannel.Literal(options.InvalidationChannel), "heartbeat|" + _instance));
            await FlushInvalidationsAsync();
            return true;
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogDebug("Cache heartbeat failed ({Message}); L1 is bypassed until it comes through again.", e.Message);
            return subscribed;
        }
    }

    public async Task<T?> GetOrLoadAsync<T>(string key, Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken)
        where T : class, IVersioned
    {
        var l1 = L1Usable();
        if (l1 && memory.TryGetValue(key, out Entry? cached) && cached!.Value is T hit)
        {
            Hits.Add(1, new KeyValuePair<string, object?>("level", "l1"));
            return hit;
        }

        var fromL2 = await ReadL2Async<T>(key);
        if (fromL2 is not null)
        {
            Hits.Add(1, new KeyValuePair<string, object?>("level", "l2"));
            if (l1)
            {
                SetL1(key, fromL2.Version, fromL2);
            }

            return fromL2;
        }

        Misses.Add(1);
        var loaded = await load(cancellationToken);
        if (loaded is not null)
        {
            await WriteL2Async(key, loaded.Version, JsonSerializer.Serialize(loaded, JsonSerializerOptions.Web));
            if (l1)
            {
                SetL1(key, loaded.Version, loaded);
            }
        }

        return loaded;
    }

    /// <summary>
    /// Called by a writer after its commit: every level and every replica forgets versions older than <paramref name="version"/>.
    /// If Redis cannot be reached, the invalidation is kept and retried with each heartbeat until it goes through,
    /// because another replica may be reconnected already and serving (or filling L2 with) the old version.
    /// </summary>
    public async Task InvalidateAsync(string key, long version)
    {
        SetL1(key, version, null);
        _pending.AddOrUpdate(key, version, (_, queued) => Math.Max(queued, version));
        await FlushInvalidationsAsync();
    }

    private async Task FlushInvalidationsAsync()
    {
        foreach (var (key, version) in _pending)
        {
            try
            {
                await breaker.RunAsync("cache-invalidate", async () =>
                {
                    await redis.GetDatabase().ScriptEvaluateAsync(SetIfNewerScript, [key], [version, "", (long)options.L2TimeToLive.TotalMilliseconds]);
                    await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(options.InvalidationChannel), $"{version.ToString(CultureInfo.InvariantCulture)}|{key}");
                });
                _pending.TryRemove(new KeyValuePair<string, long>(key, version));
            }
            catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
            {
                logger.LogWarning("Cache invalidation of {Key} v{Version} not delivered yet ({Message}); retrying.", key, version, e.Message);
                return;
            }
        }
    }

    private void OnMessage(RedisValue message)
    {
        var text = (string?)message ?? "";
        var separator = text.IndexOf('|', StringComparison.Ordinal);
        if (text.StartsWith("heartbeat|", StringComparison.Ordinal))
        {
            if (text.AsSpan(separator + 1).SequenceEqual(_instance))
            {
                Interlocked.Exchange(ref _lastHeartbeatTicks, clock.GetUtcNow().UtcTicks);
            }
        }
        else if (separator > 0 && long.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            SetL1(text[(separator + 1)..], version, null);
        }
    }

    /// <summary>L1 may be used only while our own heartbeat arrives through the subscription; whatever it held before an outage is dropped.</summary>
    private bool L1Usable()
    {
        var usable = clock.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastHeartbeatTicks) < HeartbeatTimeout.Ticks;
        if (usable == Volatile.Read(ref _l1WasUsable))
        {
            return usable; // the read path: no lock unless the state changes
        }

        lock (memory)
        {
            if (usable != _l1WasUsable)
            {
                if (memory is MemoryCache concrete)
                {
                    concrete.Clear();
                }

                logger.LogInformation("Cache invalidation subscription {State}: L1 {Action}.", usable ? "confirmed" : "lost", usable ? "on (emptied)" : "bypassed");
                Volatile.Write(ref _l1WasUsable, usable);
            }
        }

        return usable;
    }

    // L1 never goes backwards either: an older value does not replace a newer value or marker.
    private void SetL1(string key, long version, object? value)
    {
        lock (memory)
        {
            if (memory.TryGetValue(key, out Entry? existing) && existing!.Version > version)
            {
                return;
            }

            if (existing is not null && existing.Version == version && value is null && existing.Value is not null)
            {
                return;
            }

            memory.Set(key, new Entry(version, value), options.L1TimeToLive);
        }
    }

    private async Task<T?> ReadL2Async<T>(string key)
        where T : class
    {
        try
        {
            var raw = (string?)await breaker.RunAsync("cache-get", () => redis.GetDatabase().StringGetAsync(key));
            var separator = raw?.IndexOf('|', StringComparison.Ordinal) ?? -1;
            return separator < 0 || separator == raw!.Length - 1 ? null : JsonSerializer.Deserialize<T>(raw.AsSpan(separator + 1), JsonSerializerOptions.Web);
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            return null;
        }
    }

    private async Task WriteL2Async(string key, long version, string json)
    {
        try
        {
            await breaker.RunAsync("cache-set", () => redis.GetDatabase().ScriptEvaluateAsync(SetIfNewerScript, [key],
                [version, json, (long)options.L2TimeToLive.TotalMilliseconds]));
        }
        catch (Exception e) when (RedisCircuitBreaker.IsOutage(e))
        {
            logger.LogDebug("L2 write of {Key} skipped ({Message}).", key, e.Message);
        }
    }

    private sealed record Entry(long Version, object? Value);
}
