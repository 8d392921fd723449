using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Platform.Workspaces.Domain;

/// <summary>The types a table field can have, and how a JSON value is checked against one.</summary>
public static partial class FieldTypes
{
    public const string Text = "text";
    public const string Number = "number";
    public const string Boolean = "boolean";
    public const string Date = "date";

    public static bool IsValid(string? type) => type is Text or Number or Boolean or Date;

    /// <summary>Field (and table) names: identifiers, so they are safe in JSON paths and readable in URLs.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    public static bool Accepts(string type, JsonElement value) => type switch
    {
        Text => value.ValueKind == JsonValueKind.String && value.GetString()!.Length <= 10_000,
        Number => value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && double.IsFinite(d),
        Boolean => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        Date => value.ValueKind == JsonValueKind.String && DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        _ => false,
    };

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,62}$")]
    private static partial Regex NamePattern();
}
