using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;

namespace Platform.Hosting.RabbitMQ;

public static class RabbitMQServerExtensions
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>A RabbitMQ broker: Aspire's <c>AddRabbitMQ</c> container where a container runtime exists (and in the manifest), otherwise a local node.</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRabbitMQServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.GetInfrastructureMode() == InfrastructureMode.Containers)
        {
            return builder.AddRabbitMQ(name);
        }

        if (!File.Exists(ServerScript))
        {
            throw new DistributedApplicationException("RabbitMQ is not installed: run `apt-get install -y rabbitmq-server` (or ./platform setup).");
        }

        var run = RunDirectory.Of(builder);
        var folder = run.CreateFolder(name);
        var home = Directory.CreateDirectory(Path.Combine(folder, "home")).FullName;
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var rabbit = new RabbitMQProcessResource(name, folder, password);
        var epmd = Installed.Require("epmd", "erlang-base");
        return builder.AddResource(rabbit)
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "RABBITMQ_NODE_PORT", isProxied: false)
            .WithEndpoint(name: "dist", scheme: "tcp", env: "RABBITMQ_DIST_PORT", isProxied: false)
            .WithEndpoint(name: "epmd", scheme: "tcp", env: "ERL_EPMD_PORT", isProxied: false)
            // The node's own epmd starts beside it, as a child of the shell that becomes the node (exec), with a parent-death
            // signal: when the node exits, however it exits, epmd gets SIGTERM (a daemon epmd, or an orphaned one, would outlive it).
            .WithArgs("-c", $"setpriv --pdeathsig TERM \"{epmd}\" -port \"$ERL_EPMD_PORT\" -address 127.0.0.1 & exec {ServerScript}")
            .OnBeforeResourceStarted((resource, _, cancellationToken) => WriteConfigAsync(resource, home, cancellationToken))
            .WithEnvironment(context =>
            {
                foreach (var (variable, value) in new Dictionary<string, string>
                         {
                             ["HOME"] = home,
                             ["RABBITMQ_NODENAME"] = $"{name}-{run.RunId[^6..]}@localhost",
                             ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
                             ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
                             ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
                             ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
                             ["RABBITMQ_PID_FILE"] = Path.Combine(folder, "rabbit.pid"),
                             ["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq.conf"),
                             ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
                             ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(folder, "rabbitmq-env.conf"),
                             ["RABBITMQ_LOGS"] = "-",
                             ["RUNNING_UNDER_SYSTEMD"] = "true", // makes the script exec the VM instead of forking it
                         })
                {
                    context.EnvironmentVariables[variable] = value;
                }
            })
            // The AMQP listener opens only once the node has booted, so an accepted connection means ready (a full
            // handshake every check would fill the node's log with "client closed connection" warnings).
            .WithReadinessProbe((resource, cancellationToken) => ServerProbes.TcpAsync(resource.PrimaryEndpoint.Port, cancellationToken))
            .WithProcessCommands();
    }

    private static async Task WriteConfigAsync(RabbitMQProcessResource rabbit, string home, CancellationToken cancellationToken)
    {
        var cookie = Path.Combine(home, ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N"), cancellationToken);
            PrivateFiles.SetMode(cookie, UnixFileMode.UserRead | UnixFileMode.UserWrite); // erlang refuses a readable cookie
        }

        var config = Path.Combine(rabbit.WorkingDirectory, "rabbitmq.conf");
        await File.WriteAllLinesAsync(config,
        [
            $"default_user = {RabbitMQProcessResource.UserName}",
            $"default_pass = {await rabbit.Password.GetValueAsync(cancellationToken)}",
            "loopback_users = none",
            "log.console = true",
            "log.console.level = warning",
            "log.file = false",
        ], cancellationToken);
        PrivateFiles.SetMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllTextAsync(Path.Combine(rabbit.WorkingDirectory, "enabled_plugins"), "[].", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(rabbit.WorkingDirectory, "rabbitmq-env.conf"), "", cancellationToken);
    }
}
