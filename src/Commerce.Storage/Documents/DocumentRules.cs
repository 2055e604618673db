using System.Text.Json;

namespace Commerce.Storage.Documents;

/// <summary>
/// The keys and bodies every document adapter accepts. The key rule is Cosmos DB's (the strictest
/// backend), applied everywhere so that data written to one adapter can move to another.
/// </summary>
internal static class DocumentRules
{
    public const int MaxKeyLength = 255;

    public static void ValidateKey(string partitionKey, string id)
    {
        ValidateKeyPart(partitionKey, "partition key", nameof(partitionKey));
        ValidateKeyPart(id, "id", nameof(id));
    }

    private static void ValidateKeyPart(string value, string part, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(value, parameterName);
        if (value.Length == 0)
            throw new ArgumentException($"The document {part} must not be empty.", parameterName);
        if (value.Length > MaxKeyLength)
            throw new ArgumentException($"The document {part} is {value.Length} characters long; at most {MaxKeyLength} are allowed.", parameterName);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '?' or '#' || char.IsControl(c))
                throw new ArgumentException($"The document {part} '{Printable(value)}' contains '{Printable(c.ToString())}': '/', '\\', '?', '#' and control characters are not allowed.", parameterName);
        }
    }

    private static string Printable(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    /// <summary>Accepts exactly one complete JSON object, as UTF-8.</summary>
    public static void ValidateBody(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ArgumentException("A document body must be a JSON object.", nameof(json));
            reader.Skip();
            if (reader.Read())
                throw new ArgumentException("A document body must be a single JSON object with nothing after it.", nameof(json));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"A document body must be valid JSON: {e.Message}", nameof(json), e);
        }
    }
}
