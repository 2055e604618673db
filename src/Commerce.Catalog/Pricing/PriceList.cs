using Commerce.Catalog.Customers;

namespace Commerce.Catalog.Pricing;

/// <summary>
/// A contract price list (e.g. "wholesale", "vip"): prices or percentages off per SKU or per category, the
/// quantity tiers that apply on top, and optional minimum quantities and pack sizes for its buyers.
/// </summary>
public sealed record PriceList
{
    /// <summary>The list every customer without an assigned one gets.</summary>
    public const string RetailId = "retail";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<PriceListEntry> Entries { get; init; } = [];
    public IReadOnlyList<QuantityTier> Tiers { get; init; } = [];
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>For one SKU or one category (and its sub-categories): an absolute unit price, or a percentage off the list price.</summary>
public sealed record PriceListEntry(string? Sku, string? Category, decimal? Price, decimal? PercentOff, int? MinOrderQuantity = null, int? PackSize = null);

/// <summary>Units <see cref="MinQuantity"/> to <see cref="MaxQuantity"/> (open-ended when null) get <see cref="PercentOff"/>.</summary>
public sealed record QuantityTier(int MinQuantity, int? MaxQuantity, decimal PercentOff);

public enum PromotionKind
{
    PercentOff,
    AmountOff,
}

/// <summary>
/// A promotion by SKU or category within a validity window; with a coupon code it applies only to quotes
/// that name the code, and only until its usage limit is reached; with membership tiers only to customers
/// of those tiers (a members' discount); with a customer only to that customer (a personal offer). The best single promotion applies, plus every one marked stackable.
/// </summary>
public sealed record Promotion
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required PromotionKind Kind { get; init; }

    /// <summary>Percent (0-100) for <see cref="PromotionKind.PercentOff"/>, per-unit amount in <see cref="Currency"/> otherwise.</summary>
    public required decimal Value { get; init; }

    /// <summary>The ISO currency of an amount-off <see cref="Value"/>; it applies only to prices in that currency.</summary>
    public string? Currency { get; init; }

    public string? Sku { get; init; }
    public string? Category { get; init; }
    public DateTimeOffset? ValidFrom { get; init; }
    public DateTimeOffset? ValidTo { get; init; }
    public string? Coupon { get; init; }
    public int? UsageLimit { get; init; }
    public int TimesUsed { get; init; }
    public bool Stackable { get; init; }

    /// <summary>Only customers of these membership tiers get it; empty for everyone.</summary>
    public IReadOnlyList<MembershipTier> MembershipTiers { get; init; } = [];

    /// <summary>The one customer who may redeem the coupon; null for anyone who holds the code.</summary>
    public string? CustomerId { get; init; }

    /// <summary>
    /// Uses being counted or given back at this moment, one marker each, so that a repeated step changes the count
    /// once. Empty between changes: the orders that used the coupon are records of their own (<see cref="CouponRedemption"/>),
    /// so this document does not grow with them.
    /// </summary>
    public IReadOnlyList<string> Counting { get; init; } = [];

    /// <summary>
    /// Goes up whenever a marker leaves <see cref="Counting"/>. A step counts a use only if this has not moved since
    /// before it read the use's record, so a late copy of a step that finished meanwhile cannot count it again.
    /// </summary>
    public long CountingEpoch { get; init; }

    public bool IsActive(DateTimeOffset now) => (ValidFrom is null || ValidFrom <= now) && (ValidTo is null || now < ValidTo);

    public bool HasUsesLeft => UsageLimit is null || TimesUsed < UsageLimit;

    public bool IsFor(string? customerId) => CustomerId is null || string.Equals(CustomerId, customerId, StringComparison.Ordinal);
}
