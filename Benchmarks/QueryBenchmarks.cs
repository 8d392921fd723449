using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using DuckDB.NET.Data;
using Npgsql;
using Platform.Hosting.Postgres;
using Platform.Hosting.Processes;

namespace Platform.Benchmarks;

/// <summary>
/// The distributed SQL system on a TPC-H-shaped data set loaded through its ingest path, each query timed on it and,
/// in the same run on the same rows, on an embedded single-process DuckDB and on the graph's PostgreSQL 15; the answers
/// of the three compared; point lookups under 50 concurrent clients; the resident memory of every service.
/// </summary>
internal static class QueryBenchmarks
{
    private const int WarmRounds = 10;

    private const int Repeats = 5;

    private static readonly (string Name, string Sql)[] Queries =
    [
        ("point lookup (orders by key)", "SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate FROM orders WHERE o_orderkey = 4707"), // 4707 exists: 8 keys of every 32 do
        ("range (orders in a week)", "SELECT count(*), sum(o_totalprice) FROM orders WHERE o_orderdate BETWEEN DATE '1995-03-01' AND DATE '1995-03-07'"),
        ("Q1 pricing summary", """
            SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
                   sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
                   avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order
            FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
            GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus
            """),
        ("Q3 shipping priority", """
            SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
            FROM customer, orders, lineitem
            WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
              AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
            GROUP BY l_orderkey, o_orderdate, o_shippriority ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10
            """),
        ("Q5 local supplier volume", """
            SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
            FROM customer, orders, lineitem, supplier, nation, region
            WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey
              AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey AND r_name = 'ASIA'
              AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1994-01-01' + INTERVAL '1' YEAR
            GROUP BY n_name ORDER BY revenue DESC
            """),
        ("Q6 forecast revenue change", """
            SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem
            WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL '1' YEAR
              AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24
            """),
        ("Q10 returned item reporting", """
            SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name, c_address, c_phone
            FROM customer, orders, lineitem, nation
            WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= DATE '1993-10-01'
              AND o_orderdate < DATE '1993-10-01' + INTERVAL '3' MONTH AND l_returnflag = 'R' AND c_nationkey = n_nationkey
            GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address ORDER BY revenue DESC, c_custkey LIMIT 20
            """),
    ];

    public static async Task RunAsync(DistributedApplication app, double scale)
    {
        using var gateway = app.CreateHttpClient("gateway");
        gateway.Timeout = Timeout.InfiniteTimeSpan;
        await using var authdb = NpgsqlDataSource.Create((await app.GetConnectionStringAsync("authdb"))!);
        var token = await Registrations.SignUpAsync(gateway, authdb, $"bench-query-{Guid.NewGuid():N}@example.com");
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var data = new TpchData(scale);
        Console.WriteLine();
        Console.WriteLine($"distributed SQL, TPC-H-shaped data at scale {scale.ToString(CultureInfo.InvariantCulture)} ({data.Orders:N0} orders), loaded through POST /api/query/tables/{{t}}/rows:");

        using var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        Execute(duck, "SET integer_division = true");
        await using var postgres = new NpgsqlConnection(await app.CreateScratchDatabaseAsync("postgres", "tpch") + ";Command Timeout=600");
        await postgres.OpenAsync();
        foreach (var table in TpchData.Tables)
        {
            await QueryAsync(gateway, $"CREATE TABLE {table.Name} ({table.Columns}) {table.PartitionBy}");
            Execute(duck, $"CREATE TABLE {table.Name} ({table.Columns})");
            await using var pg = new NpgsqlCommand($"CREATE TABLE {table.Name} ({table.Columns})", postgres);
            await pg.ExecuteNonQueryAsync();
        }

        var (ingestTime, duckTime, pgTime) = (TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero);
        long rows = 0;
        var scratch = Path.Combine(Path.GetTempPath(), $"tpch-{Guid.NewGuid():N}.csv");
        var batch = 0;
        foreach (var (table, csv) in data.Batches(250_000))
        {
            rows += csv.Count(c => c == '\n') - 1;
            var clock = Stopwatch.StartNew();
            using (var content = new StringContent(csv, Encoding.UTF8, "text/csv"))
            using (var response = await gateway.PostAsync($"/api/query/tables/{table.Name}/rows?batchId=b{batch++}", content))
            {
                response.EnsureSuccessStatusCode();
            }

            ingestTime += clock.Elapsed;
            await File.WriteAllTextAsync(scratch, csv);
            clock.Restart();
            Execute(duck, $"COPY {table.Name} FROM '{scratch}' (HEADER)");
            duckTime += clock.Elapsed;
            clock.Restart();
            await using (var writer = await postgres.BeginTextImportAsync($"COPY {table.Name} FROM STDIN (FORMAT csv, HEADER)"))
            {
                await writer.WriteAsync(csv);
            }

            pgTime += clock.Elapsed;
        }

        File.Delete(scratch);
        await using (var analyze = new NpgsqlCommand("ANALYZE", postgres))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        Console.WriteLine($"  load of {rows:N0} rows: this system {ingestTime.TotalSeconds:0.0} s ({rows / ingestTime.TotalSeconds:N0} rows/s, two copies each); " +
                          $"DuckDB COPY {duckTime.TotalSeconds:0.0} s; PostgreSQL COPY {pgTime.TotalSeconds:0.0} s");
        Console.WriteLine();
        // Steady state: the services' code is compiled over their first thousands of requests (tiered JIT with dynamic PGO: each
        // method compiled two or three times as its calls add up), which on two cores takes a third of the CPU and holds up
        // the first runs of each query by hundreds of milliseconds; these rounds pay for it before anything is timed.
        var warm = Stopwatch.StartNew();
        for (var round = 0; round < WarmRounds; round++)
        {
            foreach (var (_, sql) in Queries)
            {
                await QueryAsync(gateway, sql);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 10).Select(async c =>
        {
            for (var i = 0; i < 100; i++)
            {
                await QueryAsync(gateway, PointLookup(data, c, i));
            }
        }));
        Console.WriteLine($"  warm-up: {WarmRounds} rounds of every query and 1,000 point lookups, {warm.Elapsed.TotalSeconds:0.0} s");
        Console.WriteLine();
        Console.WriteLine("| query | this system p50 | DuckDB (1 process) | PostgreSQL 15 | vs DuckDB | answers agree |");
        Console.WriteLine("|---|---|---|---|---|---|");
        foreach (var (name, sql) in Queries)
        {
            var (ours, ourRows) = await TimeAsync(async () => Canonical(await QueryAsync(gateway, sql)));
            var (theirs, duckRows) = await TimeAsync(() => Task.FromResult(Canonical(duck, sql)));
            var (pgs, pgRows) = await TimeAsync(async () => await CanonicalAsync(postgres, sql));
            var agree = ourRows.SequenceEqual(duckRows) && ourRows.SequenceEqual(pgRows) ? $"yes ({ourRows.Count} rows)"
                : $"NO: ours {ourRows.Count} rows, DuckDB {(ourRows.SequenceEqual(duckRows) ? "same" : "differs")}, PostgreSQL {(ourRows.SequenceEqual(pgRows) ? "same" : "differs")}";
            Console.WriteLine($"| {name} | {ours:0.0} ms | {theirs:0.0} ms | {pgs:0.0} ms | {ours / theirs:0.0}x | {agree} |");
        }

        Console.WriteLine();
        foreach (var clients in new[] { 1, 50 })
        {
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
            {
                for (var i = 0; i < Math.Max(20, 200 / clients); i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await QueryAsync(gateway, PointLookup(data, c, i));
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
            }));
            var (p50, p99) = Measure.Percentiles(latencies);
            Console.WriteLine($"point lookups through the gateway, {clients} concurrent client(s): p50 {p50:0.0} ms, p99 {p99:0.0} ms, {latencies.Count / clock.Elapsed.TotalSeconds:0} queries/s");
        }

        var control = app.Control();
        foreach (var service in new[] { "query", "query-catalog", "nodes-0", "nodes-1", "nodes-2" })
        {
            foreach (var replica in await control.ReplicasAsync(service))
            {
                var pid = ProcessCommands.ProcessId(await control.SnapshotAsync(replica));
                Console.WriteLine($"resident memory of {replica}: {(pid is { } p ? PeakMemory.ResidentMegabytes(p) : 0):0} MiB");
            }
        }
    }

    /// <summary>Client <paramref name="client"/>'s <paramref name="i"/>th point lookup: an order key that exists, spread over the table.</summary>
    private static string PointLookup(TpchData data, int client, int i)
        => $"SELECT o_orderkey, o_totalprice FROM orders WHERE o_orderkey = {TpchData.Key(1 + (((client * 7919) + (i * 104_729)) % data.Orders))}";

    /// <summary>The median of <see cref="Repeats"/> runs after a warm one (which pays for compiling and caching), and the rows the query answered.</summary>
    private static async Task<(double P50, List<string> Rows)> TimeAsync(Func<Task<List<string>>> run)
    {
        var rows = new List<string>();
        var (p50, _) = await Measure.LatencyAsync(Repeats, async _ => rows = await run());
        return (p50, rows);
    }

    private static async Task<JsonElement> QueryAsync(HttpClient gateway, string sql)
    {
        using var response = await gateway.PostAsJsonAsync("/api/query", new { sql, timeoutMs = 300_000 });
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.Clone() : throw new InvalidOperationException($"{(int)response.StatusCode} for {sql}: {body}");
    }

    private static List<string> Canonical(JsonElement answer)
        => [.. answer.GetProperty("rows").EnumerateArray().Select(r => Row(r.EnumerateArray().Select(v => v.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => (object)v.GetDouble(),
            _ => v.GetString(),
        })))];

    private static List<string> Canonical(DuckDBConnection duck, string sql)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(Row(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i))));
        }

        return rows;
    }

    private static async Task<List<string>> CanonicalAsync(NpgsqlConnection postgres, string sql)
    {
        await using var command = new NpgsqlCommand(sql, postgres);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(Row(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i))));
        }

        return rows;
    }

    /// <summary>A row as the three engines are compared: numbers to 6 significant digits, dates as ISO.</summary>
    private static string Row(IEnumerable<object?> values) => string.Join("|", values.Select(v => v switch
    {
        null => "NULL",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s when !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _) => s,
        _ => double.Parse(Convert.ToString(v, CultureInfo.InvariantCulture)!, CultureInfo.InvariantCulture).ToString("G6", CultureInfo.InvariantCulture),
    }));

    private static void Execute(DuckDBConnection duck, string sql)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
