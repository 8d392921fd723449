using Aspire.Hosting.ApplicationModel;
using Platform.Hosting.Infrastructure;

namespace Platform.Hosting.Redis;

/// <summary>redis-server as a local process, in memory only, behind a password: the connection string of Aspire's container.</summary>
public sealed class RedisProcessResource(string name, string command, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ParameterResource Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, "tcp");

    /// <summary>Holds the password, so it appears in no process listing.</summary>
    public string ConfigFile => Path.Combine(WorkingDirectory, "redis.conf");

    /// <summary>
    /// Writes the config file (0600, in a private folder: Redis rewrites it as 0644 when a Sentinel records its state or
    /// reconfigures a replica): the password, then <paramref name="lines"/> with the password where <c>{0}</c> stands. It
    /// holds every secret, so none appears in a process listing.
    /// </summary>
    internal async Task WriteConfigAsync(string lines, CancellationToken cancellationToken)
    {
        var password = await Password.GetValueAsync(cancellationToken);
        await File.WriteAllTextAsync(ConfigFile, $"requirepass {password}\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, lines, password), cancellationToken);
        PrivateFiles.SetMode(ConfigFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// redis-server's arguments: its config file, the port DCP allocated, loopback only; a server keeps its data in memory
    /// only, a Sentinel (<paramref name="sentinel"/>) has none.
    /// </summary>
    internal void AddArguments(IList<object> args, bool sentinel = false)
    {
        args.Add(ConfigFile);
        if (sentinel)
        {
            args.Add("--sentinel");
        }

        args.Add("--port");
        args.Add(PrimaryEndpoint.Property(EndpointProperty.TargetPort));
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--dir", WorkingDirectory, "--loglevel", "warning" })
        {
            args.Add(argument);
        }

        if (!sentinel)
        {
            foreach (var argument in new[] { "--save", "", "--appendonly", "no" })
            {
                args.Add(argument);
            }
        }
    }

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)},password={Password}");
}
