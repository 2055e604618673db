using System.Text.Json;

namespace Commerce.Storage.Documents.Cosmos;

/// <summary>
/// The item shape in Cosmos DB: <c>{"id": id, "pk": partitionKey, "data": body}</c>. The body is copied
/// byte for byte in both directions, never deserialised.
/// </summary>
internal static class CosmosItems
{
    public const string PartitionKeyPath = "/pk";

    public static MemoryStream Wrap(string partitionKey, string id, ReadOnlyMemory<byte> body)
    {
        var stream = new MemoryStream(body.Length + 2 * (partitionKey.Length + id.Length) + 64);
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, id);
            writer.WriteString("pk"u8, partitionKey);
            writer.WritePropertyName("data"u8);
            // DocumentRules.ValidateBody has already checked that the body is one JSON object.
            writer.WriteRawValue(body.Span, skipInputValidation: true);
            writer.WriteEndObject();
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>Reads a point-read response: one item.</summary>
    public static StoredDocument ReadItem(ReadOnlyMemory<byte> json, string container)
    {
        var reader = new Utf8JsonReader(json.Span);
        reader.Read();
        return ReadItem(ref reader, json, container);
    }

    /// <summary>Reads a query response page, <c>{"Documents": [item, ...], ...}</c>, into <paramref name="items"/>.</summary>
    public static void ReadPage(ReadOnlyMemory<byte> json, List<StoredDocument> items, string container)
    {
        var reader = new Utf8JsonReader(json.Span);
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, container, "a query response is not a JSON object");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isDocuments = reader.ValueTextEquals("Documents"u8);
            reader.Read();
            if (!isDocuments)
            {
                reader.Skip();
                continue;
            }
            Expect(reader.TokenType == JsonTokenType.StartArray, container, "a query response's Documents is not an array");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                items.Add(ReadItem(ref reader, json, container));
        }
    }

    /// <summary>Reads the item whose StartObject the reader is on, and leaves the reader on its EndObject.</summary>
    private static StoredDocument ReadItem(ref Utf8JsonReader reader, ReadOnlyMemory<byte> json, string container)
    {
        Expect(reader.TokenType == JsonTokenType.StartObject, container, "an item is not a JSON object");
        string? id = null, partitionKey = null, etag = null;
        ReadOnlyMemory<byte>? data = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
                id = ReadString(ref reader);
            else if (reader.ValueTextEquals("pk"u8))
                partitionKey = ReadString(ref reader);
            else if (reader.ValueTextEquals("_etag"u8))
                etag = ReadString(ref reader);
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw Unexpected(container, $"item '{id}' has a 'data' that is not a JSON object");
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                data = json.Slice(start, (int)reader.BytesConsumed - start);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (id is null || partitionKey is null || etag is null || data is null)
            throw Unexpected(container, $"item '{id}' is not in the {{id, pk, data}} shape this store writes");
        return new StoredDocument(partitionKey, id, etag, data.Value);
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
            return reader.GetString();
        reader.Skip();
        return null;
    }

    private static void Expect(bool condition, string container, string problem)
    {
        if (!condition)
            throw Unexpected(container, problem);
    }

    private static DocumentStoreException Unexpected(string container, string problem) =>
        new($"Cosmos DB container '{container}' returned unexpected JSON: {problem}.");
}
