using Commerce.Analytics.History;
using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Recall;
using Commerce.Testing;

namespace Commerce.Intelligence.Tests.Recommendations;

/// <summary>The Online Retail file and its time split, loaded once for the tests that read them.</summary>
public sealed class OnlineRetailSplit : IAsyncLifetime
{
    public static readonly DateTime Cut = new(2011, 9, 9);

    public List<OnlineRetailLine> Lines { get; private set; } = [];
    public HoldoutSplit Split { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lines = await OnlineRetailFile.LoadAsync(Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz"));
        Split = HoldoutSplit.Create(PurchaseHistory.FromOnlineRetail(Lines), Cut);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class OnlineRetailProtocolTests(OnlineRetailSplit data) : IClassFixture<OnlineRetailSplit>
{
    private static readonly HashSet<string> NotProducts = new(StringComparer.OrdinalIgnoreCase) { "POST", "D", "M", "DOT", "BANK CHARGES", "AMAZONFEE", "CRUK", "C2", "PADS", "S", "B" };

    /// <summary>The protocol's rows, filtered here from the raw lines without the product's history code.</summary>
    private List<(string Customer, string Sku, DateTime At)> Sales() => data.Lines
        .Where(l => l.CustomerId is not null && l.Quantity > 0 && l.UnitPrice > 0 && !l.InvoiceNo.StartsWith('C') && !NotProducts.Contains(l.StockCode))
        .Select(l => (l.CustomerId!, l.StockCode, l.InvoiceDate)).ToList();

    [Fact]
    public void The_test_set_is_the_new_pairs_of_known_customers_and_items_after_the_cut()
    {
        var sales = Sales();
        var before = sales.Where(s => s.At < OnlineRetailSplit.Cut).ToList();
        var pairs = before.Select(s => (s.Customer, s.Sku)).ToHashSet();
        var customers = before.Select(s => s.Customer).ToHashSet();
        var items = before.Select(s => s.Sku).ToHashSet();
        var test = sales.Where(s => s.At >= OnlineRetailSplit.Cut && customers.Contains(s.Customer) && items.Contains(s.Sku) && !pairs.Contains((s.Customer, s.Sku)))
            .Select(s => (s.Customer, s.Sku)).ToHashSet();

        var split = data.Split;
        Assert.Equal(customers.Count, split.Train.UserCount);
        Assert.Equal(items.Count, split.Train.ItemCount);
        Assert.Equal(test.Count, split.TestPairs);
        Assert.Equal(test.Select(t => t.Customer).Distinct().Count(), split.Test.Count);
        Assert.All(split.Test, t => Assert.All(t.Value, item => Assert.Contains((split.Train.Users[t.Key], split.Train.Items[item]), test)));
    }

    [Fact]
    public void Popularity_figures_agree_with_a_recount_and_reproduce_the_reference()
    {
        var sales = Sales();
        var before = sales.Where(s => s.At < OnlineRetailSplit.Cut).ToList();
        var owned = before.GroupBy(s => s.Customer).ToDictionary(g => g.Key, g => g.Select(s => s.Sku).ToHashSet());
        var ranking = before.GroupBy(s => s.Sku).Select(g => (Sku: g.Key, Buyers: g.Select(s => s.Customer).Distinct().Count()))
            .OrderByDescending(p => p.Buyers).ThenBy(p => p.Sku, StringComparer.Ordinal).Select(p => p.Sku).ToList();
        var test = sales.Where(s => s.At >= OnlineRetailSplit.Cut && owned.ContainsKey(s.Customer) && ranking.Contains(s.Sku) && !owned[s.Customer].Contains(s.Sku))
            .GroupBy(s => s.Customer).ToDictionary(g => g.Key, g => g.Select(s => s.Sku).ToHashSet());
        var (precision, ndcg) = (0.0, 0.0);
        foreach (var (customer, bought) in test)
        {
            var top = ranking.Where(s => !owned[customer].Contains(s)).Take(10).ToList();
            var dcg = top.Select((s, rank) => bought.Contains(s) ? 1 / Math.Log2(rank + 2) : 0).Sum();
            var ideal = Enumerable.Range(0, Math.Min(10, bought.Count)).Sum(rank => 1 / Math.Log2(rank + 2));
            precision += top.Count(bought.Contains) / 10.0;
            ndcg += dcg / ideal;
        }
        precision /= test.Count;
        ndcg /= test.Count;

        var measured = RecommendationEvaluation.Evaluate(Popularity.AllTime(data.Split.Train), data.Split);

        Assert.Equal(precision, measured.PrecisionAt10, 9);
        Assert.Equal(ndcg, measured.NdcgAt10, 9);
        Assert.Equal(0.047, measured.PrecisionAt10, 0.001);
        Assert.Equal(0.051, measured.NdcgAt10, 0.001);
    }

    [Fact]
    public void Item_cosine_and_ease_reproduce_the_reference_figures()
    {
        var train = data.Split.Train;
        var cosine = RecommendationEvaluation.Evaluate(ItemSimilarity.Cosine(train), data.Split);
        var ease = RecommendationEvaluation.Evaluate(ItemSimilarity.Ease(train, 500), data.Split);

        Assert.Equal(0.086, cosine.PrecisionAt10, 0.001);
        Assert.Equal(0.100, cosine.NdcgAt10, 0.001);
        Assert.Equal(0.105, ease.PrecisionAt10, 0.001);
        Assert.Equal(0.120, ease.NdcgAt10, 0.001);
    }
}
