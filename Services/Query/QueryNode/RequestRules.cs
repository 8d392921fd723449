using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>The checks the node's requests share; each failure is recorded under the field it concerns, for a validation problem.</summary>
internal static class RequestRules
{
    public static void Name(string? name, string field, IDictionary<string, string[]> errors)
    {
        if (!PartitionTables.IsName(name))
        {
            errors[field] = ["A name is 1 to 63 letters, digits or underscores, not starting with a digit."];
        }
    }

    /// <summary>The columns with their types normalized, or null (and an error) when any is missing, repeated or of an unknown type.</summary>
    public static IReadOnlyList<ColumnSchema>? Columns(IReadOnlyList<ColumnSchema>? columns, string field, IDictionary<string, string[]> errors)
    {
        if (columns is null || columns.Count == 0)
        {
            errors[field] = ["At least one column is required."];
            return null;
        }

        var problems = new List<string>();
        var normalized = new List<ColumnSchema>(columns.Count);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var column in columns)
        {
            if (column is null || string.IsNullOrWhiteSpace(column.Name) || column.Name.Length > 128)
            {
                problems.Add("Every column has a name of 1 to 128 characters.");
                continue;
            }

            if (!seen.Add(column.Name))
            {
                problems.Add($"Column '{column.Name}' is named twice (names are matched without regard to case).");
            }

            try
            {
                normalized.Add(column with { Type = EngineTypes.Normalize(column.Type ?? "") });
            }
            catch (ArgumentException e)
            {
                problems.Add($"Column '{column.Name}': {e.Message}");
            }
        }

        if (problems.Count > 0)
        {
            errors[field] = [.. problems];
            return null;
        }

        return normalized;
    }

    /// <summary>Whether two column lists agree in order, names (without regard to case) and engine types.</summary>
    public static bool SameColumns(IReadOnlyList<ColumnSchema> left, IReadOnlyList<ColumnSchema> right)
        => left.Count == right.Count && left.Zip(right).All(p =>
            string.Equals(p.First.Name, p.Second.Name, StringComparison.OrdinalIgnoreCase) && Normalized(p.First.Type) == Normalized(p.Second.Type));

    private static string Normalized(string type)
    {
        try
        {
            return EngineTypes.Normalize(type);
        }
        catch (ArgumentException)
        {
            return type; // a type outside the vocabulary equals only itself
        }
    }
}
