using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;
using Platform.Postgres;

namespace Platform.Hosting.Postgres;

public static class PostgresServerExtensions
{
    private const string OsUser = "postgres";

    /// <summary>
    /// A PostgreSQL server: Aspire's <c>AddPostgres</c> container where a container runtime exists (and in the manifest),
    /// otherwise the same server as a local process. Add its databases with <see cref="AddDatabase"/>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPostgresServer(this IDistributedApplicationBuilder builder, string name)
    {
        if (builder.GetInfrastructureMode() == InfrastructureMode.Containers)
        {
            return builder.AddPostgres(name);
        }

        var folder = RunDirectory.Of(builder).CreateFolder(name);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        // postgres refuses to run as root: as root, setpriv becomes the postgres OS user and execs the server (same pid).
        var server = new PostgresProcessResource(name, Libc.IsRoot ? "setpriv" : Path.Combine(BinDirectory(), "postgres"), folder, password);
        return builder.AddResource(server)
            .WithEndpoint(name: "tcp", scheme: "tcp", env: "PGPORT", isProxied: false)
            .WithArgs(context =>
            {
                if (Libc.IsRoot)
                {
                    foreach (var argument in RunAsPostgres.Skip(1))
                    {
                        context.Args.Add(argument);
                    }

                    context.Args.Add(Path.Combine(BinDirectory(), "postgres"));
                }

                // fsync off: a killed server loses nothing it acknowledged (the kernel keeps the pages); run data is throwaway.
                foreach (var argument in new[]
                         {
                             "-D", server.DataDirectory, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
                             "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning",
                         })
                {
                    context.Args.Add(argument);
                }
            })
            .OnBeforeResourceStarted((resource, _, cancellationToken) => InitializeAsync(resource, cancellationToken))
            .OnResourceReady((resource, e, cancellationToken) => CreateDatabasesAsync(resource, e.Services, cancellationToken))
            .WithReadinessProbe(async (resource, cancellationToken) =>
                await ServerProbes.PostgresAsync(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken) + ";Database=postgres", cancellationToken))
            .WithProcessCommands();
    }

    /// <summary>A database of the server (Aspire's <c>AddDatabase</c> for a container).</summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddDatabase(this IResourceBuilder<IResourceWithConnectionString> server, string name)
    {
        switch (server)
        {
            case IResourceBuilder<PostgresServerResource> container:
                return PostgresBuilderExtensions.AddDatabase(container, name);
            case IResourceBuilder<PostgresProcessResource> process:
                var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(process.ApplicationBuilder, $"{name}-password", special: false);
                var database = new PostgresProcessDatabase(name, name, process.Resource, password);
                process.Resource.Databases.Add(database);
                return process.ApplicationBuilder.AddResource(database)
                    .WithReadinessProbe(async (db, cancellationToken) => await ServerProbes.PostgresAsync(await db.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "", cancellationToken));
            default:
                throw new ArgumentException($"'{server.Resource.Name}' is not a Postgres server.", nameof(server));
        }
    }

    private static readonly string[] RunAsPostgres = ["setpriv", $"--reuid={OsUser}", $"--regid={OsUser}", "--init-groups"];

    /// <summary>initdb into the run's folder on the first start; a restart keeps the data.</summary>
    private static async Task InitializeAsync(PostgresProcessResource server, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")))
        {
            return;
        }

        var passwordFile = Path.Combine(server.WorkingDirectory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, await server.Password.GetValueAsync(cancellationToken), cancellationToken);
        try
        {
            var initdb = new List<string>
            {
                Path.Combine(BinDirectory(), "initdb"), "-D", server.DataDirectory, "-U", PostgresProcessResource.UserName, "--pwfile", passwordFile,
                "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync",
            };
            if (Libc.IsRoot)
            {
                var (uid, gid) = OsUsers.Lookup(OsUser);
                Libc.Chown(server.WorkingDirectory, uid, gid);
                Libc.Chown(passwordFile, uid, gid);
                initdb.InsertRange(0, RunAsPostgres);
            }

            await OneShotProcess.RunAsync(initdb, server.WorkingDirectory, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    private static async Task CreateDatabasesAsync(PostgresProcessResource server, IServiceProvider services, CancellationToken cancellationToken)
    {
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        await using var connection = new NpgsqlConnection(await server.ConnectionStringExpression.GetValueAsync(cancellationToken) + ";Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using (var roles = new NpgsqlCommand(PostgresRoles.CreateSql, connection))
        {
            await roles.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var database in server.Databases)
        {
            // Identifiers and DDL cannot take parameters: the name is quoted with embedded quotes doubled, and the
            // generated password has no special characters.
            var name = $"\"{database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
            var password = await database.Password.GetValueAsync(cancellationToken);
            await using (var login = new NpgsqlCommand(
                $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{database.UserName}') THEN CREATE ROLE {name} LOGIN; END IF;
                END $$;
                ALTER ROLE {name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '{password}';
                GRANT {PostgresRoles.Tenant}, {PostgresRoles.Worker} TO {name};
                """, connection))
            {
                await login.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database.DatabaseName } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name} OWNER {name}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
                await using var connect = new NpgsqlCommand($"REVOKE CONNECT, TEMPORARY ON DATABASE {name} FROM PUBLIC", connection);
                await connect.ExecuteNonQueryAsync(cancellationToken);
            }

            // Aspire moves a container's children along with it; an executable's children are ours to move.
            await notifications.PublishUpdateAsync(database, s => s with { State = KnownResourceStates.Running, StartTimeStamp = s.StartTimeStamp ?? DateTime.UtcNow });
        }
    }

    private static string BinDirectory()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0).FirstOrDefault()
            : null;
        return installed is not null
            ? Path.Combine(installed, "bin")
            : throw new DistributedApplicationException("PostgreSQL is not installed: run `apt-get install -y postgresql` (or ./platform setup).");
    }
}
