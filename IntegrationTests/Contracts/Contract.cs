using System.Globalization;
using System.Text.Json;

namespace Platform.IntegrationTests.Contracts;

/// <summary>
/// A contract file of this folder (what a consumer relies on) and the check of an actual JSON value against one of its
/// shapes: every field the consumer names must be there with its type; fields it does not name are the provider's
/// to add. The violations name the path of each field that breaks the contract.
/// </summary>
public sealed class Contract
{
    private Contract(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public static Contract Load(string file)
        => new(JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Contracts", file))).RootElement.Clone());

    public static IReadOnlyList<string> Violations(JsonElement actual, JsonElement shape)
    {
        var violations = new List<string>();
        Check(actual, shape, "$", violations);
        return violations;
    }

    private static void Check(JsonElement actual, JsonElement shape, string path, List<string> violations)
    {
        switch (shape.ValueKind)
        {
            case JsonValueKind.Object when actual.ValueKind != JsonValueKind.Object:
                violations.Add($"{path}: expected an object, got {actual.ValueKind}");
                break;
            case JsonValueKind.Object:
                foreach (var field in shape.EnumerateObject())
                {
                    if (actual.TryGetProperty(field.Name, out var value))
                    {
                        Check(value, field.Value, $"{path}.{field.Name}", violations);
                    }
                    else
                    {
                        violations.Add($"{path}.{field.Name}: missing");
                    }
                }

                break;
            case JsonValueKind.Array when actual.ValueKind != JsonValueKind.Array:
                violations.Add($"{path}: expected an array, got {actual.ValueKind}");
                break;
            case JsonValueKind.Array:
                var item = shape.EnumerateArray().Single();
                var i = 0;
                foreach (var element in actual.EnumerateArray())
                {
                    Check(element, item, $"{path}[{i++}]", violations);
                }

                break;
            case JsonValueKind.String:
                var type = shape.GetString()!;
                var nullable = type.EndsWith('?');
                if (actual.ValueKind == JsonValueKind.Null ? !nullable : !Is(actual, type.TrimEnd('?')))
                {
                    violations.Add($"{path}: expected {type}, got {actual.ValueKind} {Shorten(actual.GetRawText())}");
                }

                break;
            default:
                throw new InvalidOperationException($"{path}: a contract shape is an object, a one-item array or a type name.");
        }
    }

    private static bool Is(JsonElement value, string type) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "uuid" => value.ValueKind == JsonValueKind.String && Guid.TryParseExact(value.GetString(), "D", out _),
        "datetime" => value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _),
        "jwt" => value.ValueKind == JsonValueKind.String && value.GetString()!.Split('.').Length == 3,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => throw new InvalidOperationException($"Unknown contract type '{type}'."),
    };

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
