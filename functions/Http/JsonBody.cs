using System.Globalization;
using System.Text.Json;

namespace Commerce.Functions.Http;

/// <summary>
/// Reads a JSON request body field by field, collecting a problem per field instead of failing on the
/// first, so that a 400 can name every bad field (a non-numeric price included) and nothing is changed.
/// </summary>
public sealed class JsonBody(JsonElement root)
{
    public Dictionary<string, string[]> Errors { get; } = [];

    public bool IsObject => root.ValueKind == JsonValueKind.Object;

    public static async Task<JsonBody> ReadAsync(HttpRequest request)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (HasInvalidText(document.RootElement))
            {
                var refused = new JsonBody(default);
                refused.Fail("body", "contains text that is not valid Unicode (an escaped lone surrogate)");
                return refused;
            }
            var body = new JsonBody(document.RootElement.Clone());
            if (!body.IsObject)
                body.Fail("body", "must be a JSON object");
            return body;
        }
        catch (JsonException e)
        {
            var body = new JsonBody(default);
            body.Fail("body", $"is not valid JSON: {e.Message}");
            return body;
        }
    }

    /// <summary>
    /// Whether a string or a property name escapes a lone surrogate, which no .NET string can hold: every read of it
    /// would throw, so the body is refused once, here.
    /// </summary>
    private static bool HasInvalidText(JsonElement element)
    {
        try
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    _ = element.GetString();
                    return false;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        if (HasInvalidText(property.Value))
                            return true;
                    }
                    return false;
                case JsonValueKind.Array:
                    return element.EnumerateArray().Any(HasInvalidText);
                default:
                    return false;
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    public bool Has(string name) => IsObject && TryGet(name, out _);

    public void Fail(string field, string message) =>
        Errors[field] = Errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    public string? String(string name, bool required = false, int maxLength = 4000)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Fail(name, "is required");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Fail(name, "must be a string");
            return null;
        }
        var text = value.GetString()!;
        if (text.Length > maxLength)
            Fail(name, $"must be at most {maxLength} characters");
        return text;
    }

    public decimal? Decimal(string name, bool required = false)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Fail(name, "is required");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
            return number;
        Fail(name, "must be a number");
        return null;
    }

    public int? Int(string name, bool required = false)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                Fail(name, "is required");
            return null;
        }
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
            return number;
        Fail(name, "must be a whole number");
        return null;
    }

    public bool? Bool(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return value.GetBoolean();
        Fail(name, "must be true or false");
        return null;
    }

    public DateTimeOffset? Time(string name)
    {
        var text = String(name);
        if (text is null)
            return null;
        if (TryParseTime(text, out var time))
            return time;
        Fail(name, TimeProblem);
        return null;
    }

    public const string TimeProblem = "must be an ISO 8601 date and time";

    /// <summary>An ISO 8601 date and time; one without an offset is UTC.</summary>
    public static bool TryParseTime(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);

    public IReadOnlyList<string>? Strings(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            Fail(name, "must be an array of strings");
            return null;
        }
        return value.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>An object of string, number or boolean values, as text.</summary>
    public IReadOnlyDictionary<string, string>? Map(string name)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(name, "must be an object");
            return null;
        }
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.String:
                    map[property.Name] = property.Value.GetString()!;
                    break;
                case JsonValueKind.Number:
                    map[property.Name] = property.Value.GetRawText();
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    map[property.Name] = property.Value.GetBoolean() ? "true" : "false";
                    break;
                default:
                    Fail($"{name}.{property.Name}", "must be a string, number or boolean");
                    break;
            }
        }
        return map;
    }

    /// <summary>An array of objects, each read by <paramref name="read"/> with field names prefixed "name[i].".</summary>
    public IReadOnlyList<T>? Objects<T>(string name, Func<JsonBody, T> read)
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array)
        {
            Fail(name, "must be an array");
            return null;
        }
        var items = new List<T>();
        var index = 0;
        foreach (var element in value.EnumerateArray())
        {
            var item = new JsonBody(element);
            if (!item.IsObject)
                item.Fail("", "must be an object");
            items.Add(read(item));
            foreach (var (field, messages) in item.Errors)
                Errors[$"{name}[{index}]{(field.Length > 0 ? "." + field : "")}"] = messages;
            index++;
        }
        return items;
    }

    /// <summary>A nested object read by <paramref name="read"/>, its field names prefixed "name.".</summary>
    public T? Object<T>(string name, Func<JsonBody, T> read) where T : class
    {
        if (!TryGet(name, out var value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            Fail(name, "must be an object");
            return null;
        }
        var nested = new JsonBody(value);
        var result = read(nested);
        foreach (var (field, messages) in nested.Errors)
            Errors[$"{name}.{field}"] = messages;
        return result;
    }

    public T? Enum<T>(string name, bool required = false) where T : struct, System.Enum
    {
        var text = String(name, required);
        if (text is null)
            return null;
        if (EnumNames.TryParse<T>(text, out var value))
            return value;
        Fail(name, $"must be one of {EnumNames.List<T>()}");
        return null;
    }

    /// <summary>An array of enum names; each one that is not a name of <typeparamref name="T"/> fails the field.</summary>
    public IReadOnlyList<T>? Enums<T>(string name) where T : struct, System.Enum
    {
        if (Strings(name) is not { } texts)
            return null;
        var values = new List<T>(texts.Count);
        foreach (var text in texts)
        {
            if (EnumNames.TryParse<T>(text, out var value))
                values.Add(value);
            else
                Fail(name, $"'{text}' is not one of {EnumNames.List<T>()}");
        }
        return values;
    }

    private bool TryGet(string name, out JsonElement value)
    {
        value = default;
        if (root.ValueKind != JsonValueKind.Object)
            return false;
        foreach (var property in root.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        return false;
    }
}
