using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Commerce.Catalog.Products;

[JsonConverter(typeof(JsonStringEnumConverter<ProductStatus>))]
public enum ProductStatus
{
    [JsonStringEnumMemberName("draft")] Draft,
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("archived")] Archived,
}

/// <summary>A product as stored; <see cref="Cost"/> is for admins only and never leaves the API otherwise.</summary>
public sealed record Product
{
    public required string Sku { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Category { get; init; }
    public string? Brand { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ImageUrls { get; init; } = [];
    public ProductStatus Status { get; init; } = ProductStatus.Active;
    public required decimal ListPrice { get; init; }
    public required string Currency { get; init; }
    public decimal? Cost { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Fewest units one order line may have (B2B minimum order quantity).</summary>
    public int MinOrderQuantity { get; init; } = 1;

    /// <summary>Lines must be multiples of this (e.g. sold in packs of 6).</summary>
    public int PackSize { get; init; } = 1;

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public static partial class Skus
{
    /// <summary>SKUs are unique without regard to case; this is the form they are stored and compared in.</summary>
    public static string Normalize(string sku) => sku.Trim().ToUpperInvariant();

    public static bool IsValid(string? sku) => sku is not null && Pattern().IsMatch(sku);

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$")]
    private static partial Regex Pattern();
}
