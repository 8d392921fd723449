using System.Diagnostics;
using System.Globalization;
using System.Text;
using Aspire.Hosting.Testing;
using DuckDB.NET.Data;
using Npgsql;
using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Query;

/// <summary>
/// The PostgreSQL endpoint, as the tools people point at a database use it: Npgsql (extended protocol, binary results)
/// and psql (simple protocol, text) sign in with the platform's email and password over SCRAM-SHA-256 and run a
/// TPC-H-like query whose answer equals a single-process reference engine's; a wrong password, a syntax error and
/// another tenant's table are refused as PostgreSQL refuses them.
/// </summary>
[Collection(QueryCollection.Name)]
[Trait("Category", "query")]
public sealed class PostgresWireTests(QueryFixture query, ITestOutputHelper output)
{
    private const int LoginAttemptsBeforeLock = 5; // auth's LoginThrottle.MaxFailures

    private static string Q1(string table) => $"""
        SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
               sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
               avg(l_quantity) AS avg_qty, avg(l_discount) AS avg_disc, count(*) AS count_order, min(l_shipdate) AS first_ship
        FROM {table}
        WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
        GROUP BY l_returnflag, l_linestatus
        ORDER BY l_returnflag, l_linestatus
        """;

    private async Task<(string Email, string Table, List<string> Reference)> LineitemAsync()
    {
        var (email, user, _) = await query.Gateway.SignUpAsync();
        var table = $"lineitem_{Guid.NewGuid():N}"[..20];
        const string columns = "l_orderkey BIGINT, l_returnflag VARCHAR, l_linestatus VARCHAR, l_quantity DECIMAL(15,2), l_extendedprice DECIMAL(15,2), l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), l_shipdate DATE";
        await query.QueryAsync($"CREATE TABLE {table} ({columns}) PARTITION BY HASH (l_orderkey) PARTITIONS 6", user.AccessToken);
        using var reference = new DuckDBConnection("DataSource=:memory:");
        reference.Open();
        using (var create = reference.CreateCommand())
        {
            create.CommandText = $"SET integer_division = true; CREATE TABLE {table} ({columns})";
            create.ExecuteNonQuery();
        }

        var random = new Random(1998);
        var csv = new StringBuilder("l_orderkey,l_returnflag,l_linestatus,l_quantity,l_extendedprice,l_discount,l_tax,l_shipdate\n");
        using (var appender = reference.CreateAppender(table))
        {
            for (var key = 1; key <= 20_000; key++)
            {
                var (flag, status) = (random.Next(3) switch { 0 => "A", 1 => "N", _ => "R" }, random.Next(2) == 0 ? "F" : "O");
                var (quantity, price) = ((decimal)random.Next(1, 51), Math.Round((decimal)(random.NextDouble() * 100_000), 2));
                var (discount, tax) = (random.Next(0, 11) / 100m, random.Next(0, 9) / 100m);
                var shipped = new DateOnly(1992, 1, 2).AddDays(random.Next(0, 2526));
                csv.Append(CultureInfo.InvariantCulture, $"{key},{flag},{status},{quantity},{price},{discount},{tax},{shipped:yyyy-MM-dd}\n");
                appender.CreateRow().AppendValue((long)key).AppendValue(flag).AppendValue(status).AppendValue(quantity).AppendValue(price).AppendValue(discount).AppendValue(tax).AppendValue(shipped).EndRow();
            }
        }

        await query.LoadAsync(table, csv.ToString(), token: user.AccessToken);

        var rows = new List<string>();
        using var command = reference.CreateCommand();
        command.CommandText = Q1(table);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rows.Add(SalesData.Row(Enumerable.Range(0, reader.FieldCount).Select(reader.GetValue)));
        }

        return (email, table, rows);
    }

    /// <summary>Npgsql as a BI tool would use it, but without loading types from pg_type (the endpoint has no system catalogs).</summary>
    private NpgsqlDataSource Client(string email, string password = PlatformClient.Password)
    {
        var endpoint = query.App.GetEndpoint("query", "pg");
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder
        {
            Host = endpoint.Host, Port = endpoint.Port, Username = email, Password = password, Database = "query", SslMode = SslMode.Disable, Pooling = false,
        }.ConnectionString);
        builder.ConfigureTypeLoading(types => types.EnableTypeLoading(false));
        return builder.Build();
    }

    [Fact]
    public async Task Npgsql_signs_in_with_scram_and_runs_a_tpch_like_query_equal_to_the_reference()
    {
        var (email, table, reference) = await LineitemAsync();
        await using var client = Client(email);
        await using var connection = await client.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(Q1(table), connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add(SalesData.Row(Enumerable.Range(0, reader.FieldCount).Select(reader.GetValue)));
        }

        Assert.Equal(reference, rows);
        Assert.Equal("sum_qty", reader.GetName(2));
        Assert.Equal(typeof(DateOnly), reader.GetFieldType(9)); // a date column, sent in binary
    }

    [Fact]
    public async Task Npgsql_is_refused_a_wrong_password_and_gets_errors_with_sqlstate_and_position()
    {
        var (email, table, _) = await LineitemAsync();
        await using (var wrong = Client(email, "not the password at all"))
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(async () => await wrong.OpenConnectionAsync(TestContext.Current.CancellationToken));
            Assert.Equal("28P01", refused.SqlState);
        }

        await using var client = Client(email);
        await using var connection = await client.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using (var typo = new NpgsqlCommand($"SELECT count(*) FORM {table}", connection))
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => typo.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            Assert.Equal("42601", error.SqlState);
            Assert.Equal(22, error.Position); // FORM reads as an alias, as in PostgreSQL: the error is at the table name
        }

        await using (var missing = new NpgsqlCommand("SELECT * FROM nowhere", connection))
        {
            Assert.Equal("42P01", (await Assert.ThrowsAsync<PostgresException>(() => missing.ExecuteScalarAsync(TestContext.Current.CancellationToken))).SqlState);
        }

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection); // the session carries on after an error
        Assert.Equal(20_000L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Wrong_scram_proofs_count_as_failed_logins_and_lock_the_account_for_the_right_one_too()
    {
        var (email, _, _) = await query.Gateway.SignUpAsync();
        // Npgsql signs in twice when refused (each is a failed login here), so the lock comes within five wrong passwords.
        var refusals = new List<string>();
        while (refusals.LastOrDefault() != "28000" && refusals.Count < LoginAttemptsBeforeLock)
        {
            await using var wrong = Client(email, $"wrong password {refusals.Count}");
            refusals.Add((await Assert.ThrowsAsync<PostgresException>(async () => await wrong.OpenConnectionAsync(TestContext.Current.CancellationToken))).SqlState);
        }

        Assert.Equal("28P01", refusals[0]);
        Assert.Equal("28000", refusals[^1]);

        await using var right = Client(email);
        var locked = await Assert.ThrowsAsync<PostgresException>(async () => await right.OpenConnectionAsync(TestContext.Current.CancellationToken));
        Assert.Equal("28000", locked.SqlState);
        Assert.Contains("too many failed sign-ins", locked.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Psql_runs_the_same_query_and_another_tenant_does_not_see_the_table()
    {
        var (email, table, reference) = await LineitemAsync();
        var (code, stdout, stderr) = await PsqlAsync(email, Q1(table).ReplaceLineEndings(" "));
        Assert.True(code == 0, stderr);
        var rows = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => SalesData.Row(line.Split('|').Select(v => (object?)(double.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : v)))).ToList();
        Assert.Equal(reference, rows);

        var (otherEmail, _, _) = await query.Gateway.SignUpAsync();
        var (otherCode, _, otherError) = await PsqlAsync(otherEmail, $"SELECT count(*) FROM {table}");
        Assert.NotEqual(0, otherCode);
        Assert.Contains($"relation \"{table}\" does not exist", otherError, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Stdout, string Stderr)> PsqlAsync(string email, string sql)
    {
        var endpoint = query.App.GetEndpoint("query", "pg");
        var start = new ProcessStartInfo("psql") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-h", endpoint.Host, "-p", endpoint.Port.ToString(CultureInfo.InvariantCulture), "-U", email, "-d", "query", "-X", "-A", "-t", "-c", sql })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PGPASSWORD"] = PlatformClient.Password;
        start.Environment["PGSSLMODE"] = "disable";
        using var psql = Process.Start(start)!;
        var stdout = psql.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = psql.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await psql.WaitForExitAsync(TestContext.Current.CancellationToken);
        output.WriteLine($"psql exit {psql.ExitCode}: {await stderr}");
        return (psql.ExitCode, await stdout, await stderr);
    }
}
