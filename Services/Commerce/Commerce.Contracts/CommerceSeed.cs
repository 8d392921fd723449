namespace Platform.Commerce.Contracts;

/// <summary>
/// The deterministic data every commerce database is seeded with: the seed plan's eight product ids plus 5 000 more
/// (10000–14999). Each service derives its rows from <c>n</c> (the id as a number) in SQL, so the three databases
/// agree without talking to each other.
/// </summary>
public static class CommerceSeed
{
    public static readonly IReadOnlyList<string> PlanProductIds = ["123", "456", "789", "101", "202", "303", "404", "505"];

    public const int FirstGenerated = 10000;

    public const int Generated = 5000;

    /// <summary>A SQL row source of <c>(product_id text, n int)</c> for every seeded product.</summary>
    public static string ProductsSql =>
        $"(SELECT id AS product_id, id::int AS n FROM unnest(ARRAY['{string.Join("','", PlanProductIds)}']) AS id"
        + $" UNION ALL SELECT g::text, g FROM generate_series({FirstGenerated}, {FirstGenerated + Generated - 1}) AS g)";
}
