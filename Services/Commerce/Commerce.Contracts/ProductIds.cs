namespace Platform.Commerce.Contracts;

/// <summary>A request for many products at once (bulk checks, and the catalog's calls to inventory and pricing).</summary>
public sealed record ProductIds(IReadOnlyList<string>? Ids)
{
    /// <summary>The most ids one request may name (the bulk check's limit).</summary>
    public const int Limit = 500;

    public const int MaxIdLength = 64;

    /// <summary>Product ids are short opaque strings (the seed's are digits: "123").</summary>
    public static bool IsValid(string? id) => !string.IsNullOrWhiteSpace(id) && id.Length <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>What is wrong with a list of ids (none, more than <see cref="Limit"/>, or a malformed one) under <paramref name="field"/>; null when nothing is.</summary>
    public static Dictionary<string, string[]>? ErrorsOf(IReadOnlyList<string>? ids, string field)
    {
        if (ids is not { Count: > 0 and <= Limit })
        {
            return new() { [field] = [$"Give 1 to {Limit} product ids."] };
        }

        var invalid = ids.Where(id => !IsValid(id)).Take(5).ToList();
        return invalid.Count == 0 ? null : new() { [field] = [$"Not product ids: {string.Join(", ", invalid)}."] };
    }
}
