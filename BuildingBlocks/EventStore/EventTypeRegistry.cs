using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.EventStore;

/// <summary>
/// Names and schema versions of the event types a service stores. Events are written at their current version;
/// older versions are upcast step by step (v1 -> v2 -> ...) when read, so aggregates and projections only ever see
/// the current shape.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<Type, (string Name, int Version)> _byType = [];
    private readonly Dictionary<string, (Type Type, int Version)> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Name, int FromVersion), Func<JsonObject, JsonObject>> _upcasters = [];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public EventTypeRegistry Register<T>(string name, int schemaVersion = 1)
    {
        _byType.Add(typeof(T), (name, schemaVersion));
        _byName.Add(name, (typeof(T), schemaVersion));
        return this;
    }

    /// <summary>Turns the JSON of <paramref name="name"/> at <paramref name="fromVersion"/> into version <paramref name="fromVersion"/> + 1.</summary>
    public EventTypeRegistry Upcast(string name, int fromVersion, Func<JsonObject, JsonObject> upcast)
    {
        _upcasters.Add((name, fromVersion), upcast);
        return this;
    }

    public (string Name, int Version) NameOf(Type type)
        => _byType.TryGetValue(type, out var entry) ? entry : throw new InvalidOperationException($"Event type {type.Name} is not registered.");

    public static string Serialize(object @event) => JsonSerializer.Serialize(@event, @event.GetType(), Json);

    public object Deserialize(string name, int version, string json)
    {
        if (!_byName.TryGetValue(name, out var current))
        {
            throw new InvalidOperationException($"Event type '{name}' is not registered.");
        }

        if (version != current.Version)
        {
            var node = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidOperationException($"Event '{name}' v{version} is not a JSON object.");
            for (var v = version; v < current.Version; v++)
            {
                node = _upcasters.TryGetValue((name, v), out var upcast)
                    ? upcast(node)
                    : throw new InvalidOperationException($"No upcaster for '{name}' from v{v}.");
            }

            return node.Deserialize(current.Type, Json)!;
        }

        return JsonSerializer.Deserialize(json, current.Type, Json)!;
    }
}
