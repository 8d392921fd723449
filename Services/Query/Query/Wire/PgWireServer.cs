using System.Net;
using System.Net.Sockets;
using Platform.Query.Api;

namespace Platform.Query.Wire;

/// <summary>
/// The PostgreSQL endpoint: listens on <c>PG_PORT</c> (the AppHost's "pg" endpoint, 15432 for clients, which DCP's
/// proxy spreads over the replicas) and runs a <see cref="PgSession"/> per connection until the service stops.
/// </summary>
public sealed class PgWireServer(IConfiguration configuration, StatementRunner runner, ScramRelay scram, PgCancelKeys cancelKeys, ILogger<PgWireServer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetValue<int?>("PG_PORT") is not { } port)
        {
            return;
        }

        var budget = TimeSpan.FromMilliseconds(configuration.GetValue("Query:TimeoutMs", 30_000));
        using var listener = new TcpListener(IPAddress.Any, port);
        listener.Start();
        logger.LogInformation("PostgreSQL endpoint listening on port {Port}", port);
        var sessions = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                client.NoDelay = true;
                sessions.RemoveAll(t => t.IsCompleted);
                sessions.Add(Task.Run(async () =>
                {
                    using (client)
                    using (var connection = new PgConnection(client.GetStream()))
                    {
                        try
                        {
                            await new PgSession(connection, runner, scram, cancelKeys, budget).RunAsync(stoppingToken);
                        }
                        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
                        {
                            // the client went away, took too long to sign in, or the service is stopping
                        }
                        catch (Exception e)
                        {
                            logger.LogWarning(e, "A PostgreSQL session ended on an unexpected error."); // a malformed message, most likely
                        }
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(sessions);
    }
}
