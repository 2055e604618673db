using System.Text.Json;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;

namespace Commerce.Analytics.Tests.Features;

/// <summary>Features of the whole Online Retail history, checked against a plain recount over the raw file.</summary>
[Collection(OnlineRetailCollection.Name)]
public sealed class OnlineRetailFeaturesTests(OnlineRetailData data)
{
    private static readonly DateTime AsOf = OnlineRetailData.AsOf;
    private readonly FeatureSet _features = data.Features;

    private sealed record Recount(string Customer, int Recency, int Frequency, decimal Monetary, int Tenure, decimal Gross, decimal Returned, decimal Trailing);

    private List<Recount> RecountAll()
    {
        var returnsOf = data.RawMatchedReturns.ToLookup(r => r.Customer);
        return data.RawSales.GroupBy(r => r.Customer).Select(g =>
        {
            var invoices = g.Select(r => r.Invoice).Distinct().Select(i => OnlineRetailData.Utc(data.InvoiceTime[i])).ToList();
            var gross = g.Sum(r => r.Quantity * r.Price);
            var returned = returnsOf[g.Key].Sum(r => -r.Quantity * r.Price);
            var yearAgo = AsOf.AddDays(-365);
            var trailing = g.Where(r => OnlineRetailData.Utc(data.InvoiceTime[r.Invoice]) >= yearAgo).Sum(r => r.Quantity * r.Price)
                - returnsOf[g.Key].Where(r => OnlineRetailData.Utc(r.UkTime) >= yearAgo).Sum(r => -r.Quantity * r.Price);
            return new Recount(g.Key, (int)Math.Floor((AsOf - invoices.Max()).TotalDays), invoices.Count, gross - returned,
                (int)Math.Floor((AsOf - invoices.Min()).TotalDays), gross, returned, trailing);
        }).ToList();
    }

    /// <summary>The classic R x F segment map, written out as conditions.</summary>
    private static RfmSegment SegmentOf(int r, int f) => (r, f) switch
    {
        (5, 1) => RfmSegment.New,
        (4, 1) => RfmSegment.Promising,
        ( >= 4, 2 or 3) => RfmSegment.PotentialLoyalist,
        (5, >= 4) => RfmSegment.Champions,
        (3 or 4, >= 4) => RfmSegment.Loyal,
        (3, <= 2) => RfmSegment.AboutToSleep,
        (3, 3) => RfmSegment.NeedAttention,
        ( <= 2, 3 or 4) => RfmSegment.AtRisk,
        ( <= 2, 5) => RfmSegment.CannotLose,
        (2, <= 2) => RfmSegment.Hibernating,
        _ => RfmSegment.Lost,
    };

    private static int[] NearestRankCuts<T>(IEnumerable<T> values)
    {
        var sorted = values.Order().ToList();
        return [.. new[] { 0.2, 0.4, 0.6, 0.8 }.Select(p => (int)Math.Ceiling(p * sorted.Count) - 1)];
    }

    [Fact]
    public void Sampled_customers_recency_frequency_net_spend_and_tier_match_a_plain_recount()
    {
        var recounts = RecountAll();
        Assert.Equal(recounts.Count, _features.Customers.Count);
        var byId = _features.Customers.ToDictionary(f => f.CustomerId);
        foreach (var expected in recounts.Where((_, i) => i % 40 == 0))
        {
            var actual = byId[expected.Customer];
            Assert.Equal((expected.Recency, expected.Frequency, expected.Monetary, expected.Tenure), (actual.RecencyDays, actual.Frequency, actual.Monetary, actual.TenureDays));
            Assert.Equal(expected.Gross / expected.Frequency, actual.AverageOrderValue);
            Assert.Equal((double)(expected.Returned / expected.Gross), actual.ReturnsShare, 12);
            Assert.Equal(expected.Trailing, actual.TrailingSpend);
            var tier = expected.Trailing >= 10_000 ? MembershipTier.Platinum : expected.Trailing >= 2_000 ? MembershipTier.Gold : expected.Trailing >= 500 ? MembershipTier.Silver : MembershipTier.None;
            Assert.Equal(tier, actual.Tier);
        }
    }

    [Fact]
    public void Scores_and_segment_sizes_match_quintiles_and_the_segment_map_recomputed_from_scratch()
    {
        var recounts = RecountAll();
        var recency = recounts.Select(r => r.Recency).Order().ToList();
        var frequency = recounts.Select(r => r.Frequency).Order().ToList();
        var monetary = recounts.Select(r => r.Monetary).Order().ToList();
        var (rCuts, fCuts, mCuts) = (NearestRankCuts(recency).Select(i => recency[i]).ToList(), NearestRankCuts(frequency).Select(i => frequency[i]).ToList(), NearestRankCuts(monetary).Select(i => monetary[i]).ToList());
        Assert.Equal(rCuts, _features.Context.Scale.RecencyCuts);
        Assert.Equal(fCuts, _features.Context.Scale.FrequencyCuts);
        Assert.Equal(mCuts, _features.Context.Scale.MonetaryCuts);

        var expectedSizes = new Dictionary<RfmSegment, int>();
        var byId = _features.Customers.ToDictionary(f => f.CustomerId);
        foreach (var r in recounts)
        {
            var rScore = 1 + rCuts.Count(c => r.Recency < c);
            var fScore = 1 + fCuts.Count(c => r.Frequency > c);
            var mScore = 1 + mCuts.Count(c => r.Monetary > c);
            var actual = byId[r.Customer];
            Assert.Equal((rScore, fScore, mScore), (actual.RecencyScore, actual.FrequencyScore, actual.MonetaryScore));
            var segment = SegmentOf(rScore, fScore);
            expectedSizes[segment] = expectedSizes.GetValueOrDefault(segment) + 1;
        }
        var actualSizes = _features.Customers.GroupBy(f => f.Segment).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expectedSizes.OrderBy(s => s.Key), actualSizes.OrderBy(s => s.Key));
        Assert.True(actualSizes.Count >= 9, "most segments have members in a real year of customers");
    }

    [Fact]
    public void A_customer_built_alone_with_the_populations_context_gets_the_features_the_population_run_gave()
    {
        var builder = new CustomerFeatureBuilder(new FeatureSettings());
        var linesOf = data.Purchases.Lines.ToLookup(p => p.CustomerId);
        foreach (var expected in _features.Customers.Where((_, i) => i % 250 == 0))
        {
            var alone = builder.BuildOne(expected.CustomerId, linesOf[expected.CustomerId], [], null, _features.Context, AsOf);
            Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(alone));
        }
        Assert.Null(builder.BuildOne("no-such-customer", [], [], null, _features.Context, AsOf));
    }

    [Fact]
    public void Relative_price_of_a_sampled_customer_matches_a_recount_of_item_medians()
    {
        var medians = data.RawSales.GroupBy(r => r.Code).ToDictionary(g => g.Key, g =>
        {
            var prices = g.Select(r => r.Price).Order().ToList();
            return prices.Count % 2 == 1 ? prices[prices.Count / 2] : (prices[prices.Count / 2 - 1] + prices[prices.Count / 2]) / 2;
        });
        foreach (var customer in data.RawSales.Select(r => r.Customer).Distinct().Where((_, i) => i % 500 == 0))
        {
            var rows = data.RawSales.Where(r => r.Customer == customer).ToList();
            var gross = rows.Sum(r => r.Quantity * r.Price);
            var expected = (double)(rows.Sum(r => r.Quantity * r.Price * (r.Price / medians[r.Code])) / gross);
            Assert.Equal(expected, _features.Customers.Single(f => f.CustomerId == customer).RelativePrice, 9);
        }
    }
}
