using System.Collections.Frozen;

namespace Platform.Query.Sql;

/// <summary>Keywords that cannot be a bare column, table or alias name (PostgreSQL's reserved words, plus the join words).</summary>
internal static class ReservedWords
{
    private static readonly FrozenSet<string> Words = new[]
    {
        "all", "and", "any", "array", "as", "asc", "asymmetric", "between", "both", "by", "case", "cast", "check", "collate",
        "column", "constraint", "create", "cross", "current_date", "current_time", "current_timestamp", "current_user",
        "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "false", "fetch", "for", "foreign",
        "from", "full", "grant", "group", "having", "ilike", "in", "inner", "intersect", "into", "is", "isnull", "join",
        "lateral", "leading", "left", "like", "limit", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
        "order", "outer", "primary", "references", "returning", "right", "select", "some", "symmetric", "table", "then",
        "to", "trailing", "true", "union", "unique", "user", "using", "variadic", "when", "where", "window", "with",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static bool Contains(string word) => Words.Contains(word);
}
