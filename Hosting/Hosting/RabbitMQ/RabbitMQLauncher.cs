using System.Globalization;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting.RabbitMQ;

/// <summary>
/// RabbitMQ as a child process with a private node name, HOME, ports and epmd. epmd is started in the
/// node's own process group (not as the usual daemon), so stopping or killing the node takes it along.
/// </summary>
internal sealed class RabbitMQLauncher : IResourceLauncher
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var rabbit = (RabbitMQServerResource)instance.Resource;
        if (!File.Exists(ServerScript))
        {
            throw new DistributedApplicationException("RabbitMQ is not installed: run `apt-get install -y rabbitmq-server` (or ./platform setup).");
        }

        var epmd = Installed.Require("epmd", "erlang-base");
        var folder = run.CreateFolder(instance.Name);
        var home = Directory.CreateDirectory(Path.Combine(folder, "home")).FullName;
        var cookie = Path.Combine(home, ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N"), cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cookie, UnixFileMode.UserRead | UnixFileMode.UserWrite); // erlang refuses a readable cookie
            }
        }

        var config = Path.Combine(folder, "rabbitmq.conf");
        await File.WriteAllLinesAsync(config,
        [
            $"default_user = {rabbit.UserName}",
            $"default_pass = {rabbit.Password}",
            "loopback_users = none",
            "log.console = true",
            "log.console.level = warning",
            "log.file = false",
        ], cancellationToken);
        var plugins = Path.Combine(folder, "enabled_plugins");
        await File.WriteAllTextAsync(plugins, "[].", cancellationToken);
        var envFile = Path.Combine(folder, "rabbitmq-env.conf");
        await File.WriteAllTextAsync(envFile, "", cancellationToken);

        var spec = new ProcessSpec("sh") { WorkingDirectory = folder };
        spec.Arguments.Add("-c");
        spec.Arguments.Add($"\"{epmd}\" -port {rabbit.EpmdPort} -address 127.0.0.1 & exec {ServerScript}");
        var port = (int p) => p.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in new Dictionary<string, string>
                 {
                     ["HOME"] = home,
                     ["RABBITMQ_NODENAME"] = $"{instance.Name}-{run.RunId[^6..]}@localhost",
                     ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                     ["RABBITMQ_NODE_PORT"] = port(rabbit.Port),
                     ["RABBITMQ_DIST_PORT"] = port(rabbit.DistributionPort),
                     ["ERL_EPMD_PORT"] = port(rabbit.EpmdPort),
                     ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
                     ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
                     ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
                     ["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbit.pid"),
                     ["RABBITMQ_CONFIG_FILE"] = config,
                     ["RABBITMQ_ENABLED_PLUGINS_FILE"] = plugins,
                     ["RABBITMQ_CONF_ENV_FILE"] = envFile,
                     ["RABBITMQ_LOGS"] = "-",
                     ["RUNNING_UNDER_SYSTEMD"] = "true", // makes the script exec the VM instead of forking it
                 })
        {
            spec.Environment[name] = value;
        }

        return spec;
    }

    /// <summary>
    /// The AMQP listener opens only once the node has booted, so an accepted connection means ready. (A full
    /// protocol handshake every second would fill the node's log with "client closed connection" warnings.)
    /// </summary>
    public Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken)
        => Probes.TcpAsync(((RabbitMQServerResource)instance.Resource).Port, cancellationToken);
}
