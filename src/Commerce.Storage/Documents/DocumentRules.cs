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

    /// <summary>Whether a document could have this id or partition key (an id from a URL may not).</summary>
    public static bool IsValidKey(string? value) => value is not null && KeyProblem(value, "key") is null;

    private static void Validate(string value, string what, string parameter)
    {
        if (KeyProblem(value, what) is { } problem)
            throw new ArgumentException(problem, parameter);
    }

    private static string? KeyProblem(string value, string what)
    {
        if (string.IsNullOrEmpty(value))
            return $"A document {what} must not be empty.";
        if (value.Length > MaxKeyLength)
            return $"A document {what} must have at most {MaxKeyLength} characters.";
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '?' or '#' || char.IsControl(c))
                return $"Document {what} '{value}' contains '{(char.IsControl(c) ? "a control character" : c)}', which is not allowed.";
        }
        return null;
    }
}
