using System.Globalization;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting.Redis;

/// <summary>redis-server as a child process on a loopback port; in-memory only (no RDB/AOF files).</summary>
internal sealed class RedisLauncher : IResourceLauncher
{
    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var redis = (RedisResource)instance.Resource;
        var spec = new ProcessSpec(Installed.Require("redis-server", "redis-server")) { WorkingDirectory = run.CreateFolder(instance.Name) };
        foreach (var argument in new[]
                 {
                     "--port", redis.Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", spec.WorkingDirectory,
                     "--save", "", "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning",
                 })
        {
            spec.Arguments.Add(argument);
        }

        return Task.FromResult<ProcessSpec?>(spec);
    }

    public Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken)
        => Probes.RedisAsync(((RedisResource)instance.Resource).Port, cancellationToken);
}
