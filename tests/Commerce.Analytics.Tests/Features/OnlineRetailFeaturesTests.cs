using System.Text.Json;
using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Testing;

namespace Commerce.Analytics.Tests.Features;

/// <summary>Features of the whole Online Retail history, checked against a plain recount over the raw file.</summary>
[Collection(OnlineRetailCollection.Name)]
public sealed class OnlineRetailFeaturesTests(OnlineRetailData data)
{
    private static readonly DateTime AsOf = OnlineRetailData.AsOf;
    private readonly FeatureSet _features = data.Features;

    [Fact]
    public void Sampled_customers_recency_frequency_net_spend_and_tier_match_a_plain_recount()
    {
        var recounts = data.Recount.Customers(AsOf);
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
        var recounts = data.Recount.Customers(AsOf);
        Assert.Equal(OnlineRetailRecount.QuintileCuts(recounts.Select(r => r.Recency)), _features.Context.Scale.RecencyCuts);
        Assert.Equal(OnlineRetailRecount.QuintileCuts(recounts.Select(r => r.Frequency)), _features.Context.Scale.FrequencyCuts);
        Assert.Equal(OnlineRetailRecount.QuintileCuts(recounts.Select(r => r.Monetary)), _features.Context.Scale.MonetaryCuts);

        var scores = OnlineRetailRecount.Scores(recounts);
        foreach (var actual in _features.Customers)
            Assert.Equal(scores[actual.CustomerId], (actual.RecencyScore, actual.FrequencyScore, actual.MonetaryScore));
        var expectedSizes = data.Recount.SegmentSizes(AsOf);
        var actualSizes = _features.Customers.GroupBy(f => f.Segment.ToString()).ToDictionary(g => g.Key, g => g.Count());
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
