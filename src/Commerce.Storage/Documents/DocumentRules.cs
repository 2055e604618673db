using System.Text.Json;

namespace Commerce.Storage.Documents;

/// <summary>What every document adapter accepts, so that data written to one adapter fits the other.</summary>
public static class DocumentRules
{
    public const int MaxKeyLength = 255;

    public static void ValidateKey(string partitionKey, string id)
    {
        Validate(partitionKey, "partition key", nameof(partitionKey));
        Validate(id, "id", nameof(id));
    }

    public static void ValidateBody(ReadOnlyMemory<byte> json)
    {
        var reader = new Utf8JsonReader(json.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ArgumentException("A document body must be a JSON object.", nameof(json));
            reader.Skip();
            if (reader.Read())
                throw new ArgumentException("A document body must be a single JSON object.", nameof(json));
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"A document body must be valid JSON: {e.Message}", nameof(json), e);
        }
    }

    private static void Validate(string value, string what, string parameter)
    {
        if (string.IsNullOrEmpty(value))
            throw new ArgumentException($"A document {what} must not be empty.", parameter);
        if (value.Length > MaxKeyLength)
            throw new ArgumentException($"A document {what} must have at most {MaxKeyLength} characters.", parameter);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '?' or '#' || char.IsControl(c))
                throw new ArgumentException($"Document {what} '{value}' contains '{(char.IsControl(c) ? "a control character" : c)}', which is not allowed.", parameter);
        }
    }
}
