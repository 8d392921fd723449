using System.Text;
using Platform.Query.Api;
using Platform.Query.Execution;
using Platform.Query.Planning;
using Platform.Query.Sql;

namespace Platform.Query.Wire;

/// <summary>
/// One client of the PostgreSQL endpoint: protocol 3.0 startup (no TLS: an SSLRequest is declined), SCRAM-SHA-256
/// sign-in with the platform's credentials (user = the account's email), then the simple query protocol (psql) and the
/// extended one without parameters (Npgsql: Parse, Bind, Describe, Execute, Sync). Each statement runs as it does
/// through <c>POST /api/query</c>, under the query budget; a CancelRequest with the session's key cancels it.
/// </summary>
public sealed class PgSession(PgConnection connection, StatementRunner runner, ScramRelay scram, PgCancelKeys cancelKeys, TimeSpan budget)
{
    private const int SslRequest = 80877103;
    private const int CancelRequest = 80877102;
    private const int Protocol3 = 196608;
    private static readonly TimeSpan SignInTimeout = TimeSpan.FromSeconds(60); // PostgreSQL's authentication_timeout

    private readonly Dictionary<string, string> _statements = [];
    private readonly Dictionary<string, Portal> _portals = [];
    private PgIdentity? _identity;
    private string? _currentSql;

    private sealed class Portal(string sql, short[] formats)
    {
        public string Sql { get; } = sql;

        public short[] Formats { get; } = formats;

        public StatementOutcome? Outcome { get; set; }
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using (var signIn = CancellationTokenSource.CreateLinkedTokenSource(stopping))
        {
            signIn.CancelAfter(SignInTimeout); // a client that never finishes signing in does not hold a session
            try
            {
                if (!await StartAsync(signIn.Token))
                {
                    return;
                }
            }
            catch (SqlStateException e)
            {
                WriteError(e);
                await connection.FlushAsync(stopping);
                return;
            }
        }

        var key = cancelKeys.Register();
        try
        {
            connection.Begin('K').Word(key.Process).Word(key.Secret).End();
            await ReadyAsync(stopping);
            var failed = false; // in the extended protocol, after an error every message up to Sync is skipped
            while (await connection.ReadAsync(stopping) is { } message)
            {
                if (message.Type == 'X')
                {
                    return;
                }

                if (failed && message.Type != 'S')
                {
                    continue;
                }

                using var statement = CancellationTokenSource.CreateLinkedTokenSource(stopping, cancelKeys.Token(key));
                statement.CancelAfter(budget);
                try
                {
                    switch (message.Type)
                    {
                        case 'Q':
                            await SimpleQueryAsync(message.Text(), statement.Token);
                            await ReadyAsync(stopping);
                            break;
                        case 'P':
                            var name = message.Text();
                            var sql = message.Text();
                            _statements[name] = sql;
                            connection.Begin('1').End();
                            break;
                        case 'B':
                            await BindAsync(message);
                            connection.Begin('2').End();
                            break;
                        case 'D':
                            await DescribeAsync(message, statement.Token);
                            break;
                        case 'E':
                            await ExecuteAsync(message, statement.Token);
                            break;
                        case 'C':
                            var kind = (char)message.Bytes(1)[0];
                            var closed = message.Text();
                            await CloseAsync(kind == 'S' ? null : closed, kind == 'S' ? closed : null);
                            connection.Begin('3').End();
                            break;
                        case 'S':
                            failed = false;
                            await CloseAsync("", null); // the unnamed portal ends with its implicit transaction, as in PostgreSQL
                            await ReadyAsync(stopping);
                            break;
                        case 'H':
                            await connection.FlushAsync(stopping);
                            break;
                        default:
                            throw new SqlStateException("08P01", $"message type '{message.Type}' is not supported");
                    }
                }
                catch (Exception e) when (Error(e, statement, stopping) is { } error)
                {
                    WriteError(error);
                    if (message.Type == 'Q')
                    {
                        await ReadyAsync(stopping);
                    }
                    else
                    {
                        failed = true;
                        await connection.FlushAsync(stopping);
                    }
                }
                finally
                {
                    cancelKeys.Reset(key);
                }
            }
        }
        finally
        {
            cancelKeys.Unregister(key);
            foreach (var portal in _portals.Values)
            {
                await DisposeAsync(portal);
            }
        }
    }

    private async Task<bool> StartAsync(CancellationToken stopping)
    {
        while (true)
        {
            var startup = await connection.ReadStartupAsync(stopping);
            if (startup is null)
            {
                return false;
            }

            var code = startup.Word();
            if (code == SslRequest)
            {
                connection.Byte((byte)'N'); // one byte, no length: TLS is not offered
                await connection.FlushAsync(stopping);
                continue;
            }

            if (code == CancelRequest)
            {
                cancelKeys.Cancel(new PgCancelKey(startup.Word(), startup.Word()));
                return false;
            }

            if (code != Protocol3)
            {
                return false;
            }

            var parameters = new Dictionary<string, string>();
            while (startup.Text() is { Length: > 0 } name)
            {
                parameters[name] = startup.Text();
            }

            return await SignInAsync(parameters.GetValueOrDefault("user") ?? "", stopping);
        }
    }

    private async Task<bool> SignInAsync(string user, CancellationToken stopping)
    {
        connection.Begin('R').Word(10).Text("SCRAM-SHA-256").Byte(0).End();
        await connection.FlushAsync(stopping);
        if (await connection.ReadAsync(stopping) is not { Type: 'p' } initial)
        {
            return false;
        }

        var mechanism = initial.Text();
        var length = initial.Word();
        var clientFirst = Encoding.UTF8.GetString(initial.Bytes(length));
        if (mechanism != "SCRAM-SHA-256" || await scram.StartAsync(user, clientFirst, stopping) is not var (exchange, serverFirst))
        {
            return await RefuseAsync(user, stopping);
        }

        connection.Begin('R').Word(11).Bytes(Encoding.UTF8.GetBytes(serverFirst)).End();
        await connection.FlushAsync(stopping);
        if (await connection.ReadAsync(stopping) is not { Type: 'p' } response
            || await scram.FinishAsync(exchange, response.Rest(), stopping) is not var (serverFinal, identity))
        {
            return await RefuseAsync(user, stopping);
        }

        _identity = identity;
        connection.Begin('R').Word(12).Bytes(Encoding.UTF8.GetBytes(serverFinal)).End();
        connection.Begin('R').Word(0).End();
        foreach (var (name, value) in new[]
        {
            ("server_version", "15.0 (platform distributed SQL)"), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
            ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("TimeZone", "UTC"), ("IntervalStyle", "postgres"),
        })
        {
            connection.Begin('S').Text(name).Text(value).End();
        }

        return true;
    }

    private async Task<bool> RefuseAsync(string user, CancellationToken stopping)
    {
        WriteError(new SqlStateException("28P01", $"password authentication failed for user \"{user}\""));
        await connection.FlushAsync(stopping);
        return false;
    }

    private async Task SimpleQueryAsync(string sql, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sql.Trim().TrimEnd(';')))
        {
            connection.Begin('I').End();
            return;
        }

        var outcome = await RunAsync(sql, cancellationToken);
        await using (outcome as IAsyncDisposable)
        {
            var formats = Array.Empty<short>();
            WriteDescription(outcome, formats);
            await WriteRowsAsync(outcome, formats, cancellationToken);
        }
    }

    private async Task BindAsync(PgMessage message)
    {
        var portal = message.Text();
        var statement = message.Text();
        var parameterFormats = message.HalfWord();
        message.Bytes(parameterFormats * 2);
        if (message.HalfWord() > 0)
        {
            throw new SqlStateException("0A000", "query parameters are not supported; write the values into the statement");
        }

        var formats = new short[message.HalfWord()];
        for (var i = 0; i < formats.Length; i++)
        {
            formats[i] = message.HalfWord();
        }

        if (!_statements.TryGetValue(statement, out var sql))
        {
            throw new SqlStateException("26000", $"prepared statement \"{statement}\" does not exist");
        }

        await CloseAsync(portal, null); // binding a name again replaces its portal, and frees what the old one held
        _portals[portal] = new Portal(sql, formats);
    }

    private async Task DescribeAsync(PgMessage message, CancellationToken cancellationToken)
    {
        var kind = (char)message.Bytes(1)[0];
        var name = message.Text();
        Portal portal;
        if (kind == 'S')
        {
            if (!_statements.TryGetValue(name, out var sql))
            {
                throw new SqlStateException("26000", $"prepared statement \"{name}\" does not exist");
            }

            connection.Begin('t').HalfWord(0).End();
            if (SqlParser.Parse(sql) is not (Select or Explain))
            {
                connection.Begin('n').End(); // a command has no rows to describe, and describing must not run it
                return;
            }

            portal = new Portal(sql, []); // the shape of a query's rows is known only by running it: run, describe, discard
            try
            {
                portal.Outcome = await RunAsync(sql, cancellationToken);
                WriteDescription(portal.Outcome, []);
            }
            finally
            {
                await DisposeAsync(portal);
            }

            return;
        }

        portal = _portals.GetValueOrDefault(name) ?? throw new SqlStateException("34000", $"portal \"{name}\" does not exist");
        portal.Outcome ??= await RunAsync(portal.Sql, cancellationToken);
        WriteDescription(portal.Outcome, portal.Formats);
    }

    private async Task ExecuteAsync(PgMessage message, CancellationToken cancellationToken)
    {
        var name = message.Text();
        var portal = _portals.GetValueOrDefault(name) ?? throw new SqlStateException("34000", $"portal \"{name}\" does not exist");
        try
        {
            if (string.IsNullOrWhiteSpace(portal.Sql.Trim().TrimEnd(';')))
            {
                connection.Begin('I').End();
                return;
            }

            portal.Outcome ??= await RunAsync(portal.Sql, cancellationToken);
            await WriteRowsAsync(portal.Outcome, portal.Formats, cancellationToken);
        }
        finally
        {
            await DisposeAsync(portal);
            _portals.Remove(name);
        }
    }

    private async Task CloseAsync(string? portal, string? statement)
    {
        if (portal is not null && _portals.Remove(portal, out var open))
        {
            await DisposeAsync(open);
        }

        if (statement is not null)
        {
            _statements.Remove(statement);
        }
    }

    private Task<StatementOutcome> RunAsync(string sql, CancellationToken cancellationToken)
    {
        _currentSql = sql;
        return runner.RunAsync(sql, _identity!.TenantId, _identity.AccessToken, null, cancellationToken);
    }

    private void WriteDescription(StatementOutcome outcome, short[] formats)
    {
        switch (outcome)
        {
            case RowsOutcome rows:
                connection.Begin('T').HalfWord((short)rows.Reader.FieldCount);
                for (var i = 0; i < rows.Reader.FieldCount; i++)
                {
                    var (oid, size) = PgTypes.Of(rows.Reader.GetDataTypeName(i));
                    connection.Text(rows.Reader.GetName(i)).Word(0).HalfWord(0).Word(oid).HalfWord(size).Word(-1).HalfWord(Format(formats, i));
                }

                connection.End();
                break;
            case TextOutcome text:
                connection.Begin('T').HalfWord(1).Text(text.Column).Word(0).HalfWord(0).Word(25).HalfWord(-1).Word(-1).HalfWord(Format(formats, 0)).End();
                break;
            default:
                connection.Begin('n').End();
                break;
        }
    }

    private async Task WriteRowsAsync(StatementOutcome outcome, short[] formats, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case RowsOutcome rows:
                var oids = Enumerable.Range(0, rows.Reader.FieldCount).Select(i => PgTypes.Of(rows.Reader.GetDataTypeName(i)).Oid).ToArray();
                long count = 0;
                while (await rows.Reader.ReadAsync(cancellationToken))
                {
                    connection.Begin('D').HalfWord((short)oids.Length);
                    for (var i = 0; i < oids.Length; i++)
                    {
                        if (rows.Reader.IsDBNull(i))
                        {
                            connection.Word(-1);
                            continue;
                        }

                        var value = rows.Reader.GetValue(i);
                        var bytes = Format(formats, i) == 1 ? PgTypes.Binary(oids[i], value) : PgTypes.Text(value);
                        connection.Word(bytes.Length).Bytes(bytes);
                    }

                    connection.End();
                    count++;
                    await connection.FlushAsync(cancellationToken, force: false);
                }

                connection.Begin('C').Text($"SELECT {count}").End();
                break;
            case TextOutcome text:
                foreach (var line in text.Lines)
                {
                    var bytes = Encoding.UTF8.GetBytes(line);
                    connection.Begin('D').HalfWord(1).Word(bytes.Length).Bytes(bytes).End();
                }

                connection.Begin('C').Text("EXPLAIN").End();
                break;
            case CommandOutcome command:
                connection.Begin('C').Text(command.Tag).End();
                break;
        }
    }

    private static short Format(short[] formats, int column) => formats.Length switch
    {
        0 => 0,
        1 => formats[0],
        _ => formats[column],
    };

    private static async Task DisposeAsync(Portal portal)
    {
        if (portal.Outcome is IAsyncDisposable open)
        {
            await open.DisposeAsync();
        }

        portal.Outcome = null;
    }

    private async Task ReadyAsync(CancellationToken stopping)
    {
        connection.Begin('Z').Byte((byte)'I').End();
        await connection.FlushAsync(stopping);
    }

    /// <summary>An exception as the client's error (with SQLSTATE and, for a position in the text, PostgreSQL's 1-based character index); null for the server stopping.</summary>
    private static SqlStateException? Error(Exception e, CancellationTokenSource statement, CancellationToken stopping) => e switch
    {
        _ when stopping.IsCancellationRequested => null,
        SqlStateException error => error,
        SqlSyntaxException syntax => new SqlStateException("42601", syntax.Reason, syntax.At),
        PlanningException planning => new SqlStateException(planning.SqlState, planning.Message, planning.At),
        QueryFailedException { Status: 409 } failed => new SqlStateException("42P07", failed.Message),
        QueryFailedException { Status: 503 } failed => new SqlStateException("57P03", failed.Message),
        QueryFailedException failed => new SqlStateException("42000", failed.Message),
        OperationCanceledException when statement.IsCancellationRequested => new SqlStateException("57014", "canceling statement due to statement timeout or user request"),
        _ => new SqlStateException("XX000", "internal error"),
    };

    private void WriteError(SqlStateException error)
    {
        connection.Begin('E').Byte((byte)'S').Text("ERROR").Byte((byte)'V').Text("ERROR").Byte((byte)'C').Text(error.Code).Byte((byte)'M').Text(error.Message);
        if (error.At is { } at && _currentSql is not null)
        {
            connection.Byte((byte)'P').Text(Offset(_currentSql, at).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        connection.Byte(0).End();
    }

    private static int Offset(string sql, Position at)
    {
        var lines = sql.Split('\n');
        return lines.Take(at.Line - 1).Sum(l => l.Length + 1) + at.Column;
    }
}

/// <summary>An error for the client: SQLSTATE, message, and where in the statement when known.</summary>
public sealed class SqlStateException(string code, string message, Position? at = null) : Exception(message)
{
    public string Code { get; } = code;

    public Position? At { get; } = at;
}
