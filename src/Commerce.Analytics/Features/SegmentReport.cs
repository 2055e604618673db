namespace Commerce.Analytics.Features;

/// <param name="Value">the segment's net spend (monetary) in all.</param>
public sealed record SegmentSize(RfmSegment Segment, string Name, int Customers, double Share, decimal Value);

/// <param name="From">the segment at the first date; null for customers who had not ordered by then.</param>
public sealed record SegmentMove(RfmSegment? From, RfmSegment To, int Customers);

/// <summary>Segment sizes and value at <see cref="To"/>, and how customers moved between segments since <see cref="From"/>.</summary>
public sealed record SegmentReport(DateTime From, DateTime To, string Currency, int Customers, IReadOnlyList<SegmentSize> Segments, IReadOnlyList<SegmentMove> Movement)
{
    public static SegmentReport Of(FeatureSet from, FeatureSet to, string currency)
    {
        var before = from.Customers.ToDictionary(f => f.CustomerId, f => f.Segment, StringComparer.Ordinal);
        var total = to.Customers.Count;
        var sizes = Enum.GetValues<RfmSegment>()
            .Select(s => (Segment: s, Members: to.Customers.Where(f => f.Segment == s).ToList()))
            .Select(s => new SegmentSize(s.Segment, RfmSegments.DisplayName(s.Segment), s.Members.Count, total == 0 ? 0 : (double)s.Members.Count / total, s.Members.Sum(f => f.Monetary)))
            .ToList();
        var moves = to.Customers
            .GroupBy(f => (From: before.TryGetValue(f.CustomerId, out var was) ? was : (RfmSegment?)null, To: f.Segment))
            .Select(g => new SegmentMove(g.Key.From, g.Key.To, g.Count()))
            .OrderBy(m => m.From.HasValue).ThenBy(m => m.From).ThenBy(m => m.To)
            .ToList();
        return new SegmentReport(from.Context.AsOf, to.Context.AsOf, currency, total, sizes, moves);
    }
}
