using Npgsql;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting.Postgres;

/// <summary>
/// PostgreSQL as a child process: initdb into the run's folder, then postgres on a loopback port with unix
/// sockets off. initdb and postgres refuse root, so as root they run as the postgres OS user.
/// fsync is off: a killed server loses nothing it acknowledged (the kernel still has the pages), only a
/// machine crash would, and run data is throwaway.
/// </summary>
internal sealed class PostgresLauncher : IResourceLauncher
{
    private const string OsUser = "postgres";

    public async Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var server = (PostgresServerResource)instance.Resource;
        var bin = BinDirectory();
        var folder = run.CreateFolder(instance.Name);
        var data = Path.Combine(folder, "data");
        var runAs = Libc.IsRoot ? OsUser : null;

        if (!File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(folder, "pwfile");
            await File.WriteAllTextAsync(passwordFile, server.Password, cancellationToken);
            if (runAs is not null)
            {
                var (uid, gid) = OsUsers.Lookup(OsUser);
                Libc.Chown(folder, uid, gid);
                Libc.Chown(passwordFile, uid, gid);
            }

            var initdb = new ProcessSpec(Path.Combine(bin, "initdb")) { RunAsUser = runAs, WorkingDirectory = folder };
            foreach (var argument in new[] { "-D", data, "-U", PostgresServerResource.UserName, "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-sync" })
            {
                initdb.Arguments.Add(argument);
            }

            await OneShot.RunAsync(initdb, run, instance.Logs, cancellationToken);
            File.Delete(passwordFile);
        }

        var postgres = new ProcessSpec(Path.Combine(bin, "postgres")) { RunAsUser = runAs, WorkingDirectory = folder, StopSignal = Libc.SIGINT };
        foreach (var argument in new[]
                 {
                     "-D", data, "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=300",
                     "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning",
                 })
        {
            postgres.Arguments.Add(argument);
        }

        return postgres;
    }

    public async Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken)
        => await Probes.PostgresAsync(await ((PostgresServerResource)instance.Resource).GetConnectionStringAsync(cancellationToken) + ";Database=postgres", cancellationToken);

    private static string BinDirectory()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.EnumerateDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0).FirstOrDefault()
            : null;
        return installed is not null
            ? Path.Combine(installed, "bin")
            : throw new DistributedApplicationException("PostgreSQL is not installed: run `apt-get install -y postgresql` (or ./platform setup).");
    }
}

/// <summary>A database inside a server: created on first start, healthy when it accepts a query.</summary>
internal sealed class PostgresDatabaseLauncher : IResourceLauncher
{
    public Task<ProcessSpec?> PrepareAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
        => Task.FromResult<ProcessSpec?>(null);

    public async Task OnLaunchedAsync(ResourceInstance instance, RunDirectory run, CancellationToken cancellationToken)
    {
        var database = (PostgresDatabaseResource)instance.Resource;
        await using var connection = new NpgsqlConnection(await database.Server.GetConnectionStringAsync(cancellationToken) + ";Database=postgres;Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database.DatabaseName } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // Identifiers cannot be parameters; the name is quoted with embedded quotes doubled.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            instance.Logs.Write($"[host] created database {database.DatabaseName}");
        }
    }

    public async Task<bool> IsHealthyAsync(ResourceInstance instance, CancellationToken cancellationToken)
        => await Probes.PostgresAsync(await ((PostgresDatabaseResource)instance.Resource).GetConnectionStringAsync(cancellationToken), cancellationToken);
}
