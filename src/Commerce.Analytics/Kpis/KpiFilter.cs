using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;

namespace Commerce.Analytics.Kpis;

/// <summary>The window [<see cref="From"/>, <see cref="To"/>) in UTC, and which customers count: an RFM segment as of <see cref="To"/>, a customer type, or both.</summary>
public sealed record KpiFilter(DateTime From, DateTime To, RfmSegment? Segment = null, CustomerKind? CustomerType = null);
