using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Commerce.Functions.Tests.Security;

/// <summary>A parameter of an operation; <see cref="Kinds"/> are JSON kinds: string, integer, number, boolean, array, object.</summary>
public sealed record ApiParameter(string Name, string In, IReadOnlySet<string> Kinds);

/// <summary>One operation of /api/openapi.json: "GET /api/orders/{id}" is its <see cref="Key"/>.</summary>
public sealed record ApiRoute(string Method, string Path, IReadOnlyList<ApiParameter> Parameters, bool HasBody)
{
    public string Key => $"{Method} {Path}";
    public bool IsRead => Method is "GET" or "HEAD";
}

/// <summary>The app's routes as its OpenAPI document lists them, and the field names (with their kinds) its schemas use.</summary>
public sealed record OpenApiRoutes(IReadOnlyList<ApiRoute> Routes, IReadOnlyDictionary<string, IReadOnlySet<string>> Fields)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head"];

    public static async Task<IReadOnlyList<ApiRoute>> ReadAsync(HttpClient client) => (await ReadDocumentAsync(client)).Routes;

    public static async Task<OpenApiRoutes> ReadDocumentAsync(HttpClient client)
    {
        var document = (await client.GetFromJsonAsync<JsonObject>("/api/openapi.json"))!;
        var schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        var routes = new List<ApiRoute>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject().Where(o => Methods.Contains(o.Key)))
            {
                var parameters = (operation!["parameters"]?.AsArray() ?? []).Select(p => new ApiParameter((string)p!["name"]!, (string)p["in"]!, KindsOf(p["schema"], schemas))).ToList();
                routes.Add(new ApiRoute(method.ToUpperInvariant(), path, parameters, operation["requestBody"] is not null));
            }
        }
        var fields = new Dictionary<string, HashSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (_, schema) in schemas)
        {
            foreach (var (name, property) in schema?["properties"]?.AsObject() ?? [])
            {
                if (!fields.TryGetValue(name, out var kinds))
                    fields[name] = kinds = [];
                kinds.UnionWith(KindsOf(property, schemas));
            }
        }
        return new OpenApiRoutes(routes, fields.ToDictionary(f => f.Key, f => (IReadOnlySet<string>)f.Value, StringComparer.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The kinds a value may have. A number the serializer also reads from a string (type [number, string] with a
    /// numeric format) counts as a number only; enums count as strings; null is left out.
    /// </summary>
    private static HashSet<string> KindsOf(JsonNode? schema, JsonObject schemas)
    {
        if (schema is null)
            return [];
        if (schema["$ref"] is { } reference)
            return KindsOf(schemas[((string)reference!).Split('/').Last()], schemas);
        if (schema["enum"] is not null)
            return ["string"];
        var kinds = schema["type"] switch
        {
            JsonArray types => types.Select(t => (string)t!).ToHashSet(),
            JsonValue type => [(string)type!],
            _ => new HashSet<string>(),
        };
        kinds.Remove("null");
        if (kinds.Contains("string") && (kinds.Contains("number") || kinds.Contains("integer")))
            kinds.Remove("string");
        foreach (var alternative in (schema["oneOf"] ?? schema["anyOf"])?.AsArray() ?? [])
            kinds.UnionWith(KindsOf(alternative, schemas));
        return kinds;
    }
}
