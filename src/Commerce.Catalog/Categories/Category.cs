using System.Text.Json.Serialization;

namespace Commerce.Catalog.Categories;

[JsonConverter(typeof(JsonStringEnumConverter<AttributeType>))]
public enum AttributeType
{
    [JsonStringEnumMemberName("text")] Text,
    [JsonStringEnumMemberName("number")] Number,
    [JsonStringEnumMemberName("boolean")] Boolean,
    [JsonStringEnumMemberName("enum")] Enum,
}

/// <summary>One entry of a category's attribute dictionary: the attributes its products may (or must) carry.</summary>
public sealed record AttributeDefinition(string Name, AttributeType Type, IReadOnlyList<string>? AllowedValues = null, bool Required = false);

/// <summary>A node of the category tree, with the attribute dictionary that keeps its products' data standard.</summary>
public sealed record Category
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public string? ParentId { get; init; }
    public IReadOnlyList<AttributeDefinition> Attributes { get; init; } = [];
}
