using System.Globalization;
using System.Text;

namespace Platform.Benchmarks;

/// <summary>
/// A deterministic TPC-H-shaped data set (written here, nothing downloaded): region, nation, supplier, customer,
/// orders and lineitem with the columns queries 1, 3, 5, 6 and 10 read, at a scale factor (1: 150 000 customers,
/// 1.5 M orders, about 6 M line items). Not the official dbgen: the same shapes, keys and value ranges, its own values.
/// </summary>
internal sealed class TpchData(double scale)
{
    public sealed record Table(string Name, string Columns, string PartitionBy, IReadOnlyList<string> Header);

    public static readonly Table[] Tables =
    [
        new("region", "r_regionkey BIGINT, r_name VARCHAR", "PARTITION BY HASH (r_regionkey) PARTITIONS 1", ["r_regionkey", "r_name"]),
        new("nation", "n_nationkey BIGINT, n_name VARCHAR, n_regionkey BIGINT", "PARTITION BY HASH (n_nationkey) PARTITIONS 1", ["n_nationkey", "n_name", "n_regionkey"]),
        new("supplier", "s_suppkey BIGINT, s_name VARCHAR, s_nationkey BIGINT, s_acctbal DECIMAL(15,2)", "PARTITION BY HASH (s_suppkey) PARTITIONS 3",
            ["s_suppkey", "s_name", "s_nationkey", "s_acctbal"]),
        new("customer", "c_custkey BIGINT, c_name VARCHAR, c_address VARCHAR, c_nationkey BIGINT, c_phone VARCHAR, c_acctbal DECIMAL(15,2), c_mktsegment VARCHAR",
            "PARTITION BY HASH (c_custkey) PARTITIONS 6", ["c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_mktsegment"]),
        new("orders", "o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus VARCHAR, o_totalprice DECIMAL(15,2), o_orderdate DATE, o_orderpriority VARCHAR, o_shippriority INTEGER",
            "PARTITION BY HASH (o_orderkey) PARTITIONS 12", ["o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice", "o_orderdate", "o_orderpriority", "o_shippriority"]),
        new("lineitem", "l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT, l_linenumber INTEGER, l_quantity DECIMAL(15,2), l_extendedprice DECIMAL(15,2), " +
                        "l_discount DECIMAL(15,2), l_tax DECIMAL(15,2), l_returnflag VARCHAR, l_linestatus VARCHAR, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE, l_shipmode VARCHAR",
            "PARTITION BY HASH (l_orderkey) PARTITIONS 12",
            ["l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice", "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipmode"]),
    ];

    private static readonly string[] Regions = ["AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"];
    private static readonly (string Name, int Region)[] Nations =
    [
        ("ALGERIA", 0), ("ARGENTINA", 1), ("BRAZIL", 1), ("CANADA", 1), ("EGYPT", 4), ("ETHIOPIA", 0), ("FRANCE", 3), ("GERMANY", 3), ("INDIA", 2), ("INDONESIA", 2),
        ("IRAN", 4), ("IRAQ", 4), ("JAPAN", 2), ("JORDAN", 4), ("KENYA", 0), ("MOROCCO", 0), ("MOZAMBIQUE", 0), ("PERU", 1), ("CHINA", 2), ("ROMANIA", 3),
        ("SAUDI ARABIA", 4), ("VIETNAM", 2), ("RUSSIA", 3), ("UNITED KINGDOM", 3), ("UNITED STATES", 1),
    ];

    private static readonly string[] Segments = ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"];
    private static readonly string[] Priorities = ["1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"];
    private static readonly string[] Modes = ["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"];
    private static readonly DateOnly FirstOrder = new(1992, 1, 1);
    private static readonly DateOnly Current = new(1995, 6, 17);

    public long Customers => (long)(150_000 * scale);

    public long Suppliers => Math.Max(1, (long)(10_000 * scale));

    public long Orders => (long)(1_500_000 * scale);

    /// <summary>Each table's rows as CSV batches of at most <paramref name="batchRows"/> rows (with the header row each).</summary>
    public IEnumerable<(Table Table, string Csv)> Batches(int batchRows)
    {
        foreach (var table in Tables)
        {
            var csv = new StringBuilder();
            var rows = 0;
            foreach (var row in Rows(table.Name))
            {
                if (rows == 0)
                {
                    csv.Append(string.Join(',', table.Header)).Append('\n');
                }

                csv.Append(row).Append('\n');
                if (++rows == batchRows)
                {
                    yield return (table, csv.ToString());
                    csv.Clear();
                    rows = 0;
                }
            }

            if (rows > 0)
            {
                yield return (table, csv.ToString());
            }
        }
    }

    private IEnumerable<string> Rows(string table)
    {
        var invariant = CultureInfo.InvariantCulture;
        var random = new Random(1992 + Array.FindIndex(Tables, t => t.Name == table)); // a fixed seed per table: the same rows every run
        switch (table)
        {
            case "region":
                for (var r = 0; r < Regions.Length; r++)
                {
                    yield return $"{r},{Regions[r]}";
                }

                break;
            case "nation":
                for (var n = 0; n < Nations.Length; n++)
                {
                    yield return $"{n},{Nations[n].Name},{Nations[n].Region}";
                }

                break;
            case "supplier":
                for (long s = 1; s <= Suppliers; s++)
                {
                    yield return string.Create(invariant, $"{s},Supplier#{s:000000000},{random.Next(25)},{Money(random, -999.99, 9999.99)}");
                }

                break;
            case "customer":
                for (long c = 1; c <= Customers; c++)
                {
                    var nation = random.Next(25);
                    yield return string.Create(invariant,
                        $"{c},Customer#{c:000000000},addr{random.Next(1_000_000)},{nation},{nation + 10}-{random.Next(100, 1000)}-{random.Next(100, 1000)}-{random.Next(1000, 10000)},{Money(random, -999.99, 9999.99)},{Segments[random.Next(5)]}");
                }

                break;
            case "orders":
                for (long o = 1; o <= Orders; o++)
                {
                    var date = OrderDate(o);
                    yield return string.Create(invariant,
                        $"{Key(o)},{CustomerOf(o)},{(date.AddDays(121) < Current ? "F" : date > Current ? "O" : "P")},{Money(random, 1000, 400_000)},{date:yyyy-MM-dd},{Priorities[random.Next(5)]},0");
                }

                break;
            case "lineitem":
                for (long o = 1; o <= Orders; o++)
                {
                    var lines = 1 + (int)(Mix(o) % 7);
                    var ordered = OrderDate(o);
                    for (var line = 1; line <= lines; line++)
                    {
                        var quantity = random.Next(1, 51);
                        var price = quantity * (900 + random.Next(0, 100_000) / 100.0);
                        var shipped = ordered.AddDays(random.Next(1, 122));
                        var received = shipped.AddDays(random.Next(1, 31));
                        var flag = received <= Current ? (random.Next(2) == 0 ? "R" : "A") : "N";
                        yield return string.Create(invariant,
                            $"{Key(o)},{random.Next(1, (int)(200_000 * Math.Max(scale, 0.01)))},{random.Next(1, (int)Suppliers + 1)},{line},{quantity},{price:0.00},{random.Next(0, 11) / 100.0:0.00},{random.Next(0, 9) / 100.0:0.00},{flag},{(shipped > Current ? "O" : "F")},{shipped:yyyy-MM-dd},{ordered.AddDays(random.Next(30, 91)):yyyy-MM-dd},{received:yyyy-MM-dd},{Modes[random.Next(7)]}");
                    }
                }

                break;
        }
    }

    // Order keys are sparse as TPC-H's (8 of every 32), customers every third skipped as in TPC-H; dates spread over 1992-1998.
    public static long Key(long order) => ((order - 1) / 8 * 32) + ((order - 1) % 8) + 1;

    private long CustomerOf(long order)
    {
        var c = 1 + (long)(Mix(order * 31) % (ulong)Customers);
        return c % 3 == 0 ? Math.Max(1, c - 1) : c;
    }

    private static DateOnly OrderDate(long order) => FirstOrder.AddDays((int)(Mix(order * 7) % 2405));

    private static ulong Mix(long value)
    {
        var x = (ulong)value * 0x9E3779B97F4A7C15UL;
        return (x ^ (x >> 29)) * 0xBF58476D1CE4E5B9UL >> 16;
    }

    private static string Money(Random random, double low, double high) => (low + (random.NextDouble() * (high - low))).ToString("0.00", CultureInfo.InvariantCulture);
}
