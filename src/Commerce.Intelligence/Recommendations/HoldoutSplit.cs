using Commerce.Analytics.History;

namespace Commerce.Intelligence.Recommendations;

/// <summary>
/// The time-split protocol: learn from sales before the cut; the test set is every (customer, item) pair
/// first bought in [cut, end) by a customer and of an item both seen before the cut. Items a customer bought
/// before the cut are never recommended to them.
/// </summary>
public sealed class HoldoutSplit
{
    private HoldoutSplit(InteractionMatrix train, IReadOnlyDictionary<int, HashSet<int>> test, IReadOnlyList<Interaction> learnFrom)
    {
        Train = train;
        Test = test;
        LearnFrom = learnFrom;
    }

    public InteractionMatrix Train { get; }

    /// <summary>Test items by user (indices of <see cref="Train"/>).</summary>
    public IReadOnlyDictionary<int, HashSet<int>> Test { get; }

    /// <summary>The interactions before the cut, for models that learn on a split of their own.</summary>
    public IReadOnlyList<Interaction> LearnFrom { get; }

    public int TestPairs => Test.Values.Sum(s => s.Count);

    public static HoldoutSplit Create(PurchaseHistory history, DateTime cut, DateTime? end = null) =>
        Create(Interactions.FromSales(history).ToList(), cut, end ?? DateTime.MaxValue);

    public static HoldoutSplit Create(IReadOnlyList<Interaction> interactions, DateTime cut, DateTime end)
    {
        var before = interactions.Where(i => i.At < cut).ToList();
        var train = InteractionMatrix.Build(before, cut);
        var test = new Dictionary<int, HashSet<int>>();
        foreach (var later in interactions)
        {
            if (later.Kind != InteractionKind.Purchase || later.At < cut || later.At >= end)
                continue;
            if (!train.UserIndex.TryGetValue(later.UserId, out var user) || !train.ItemIndex.TryGetValue(later.Sku, out var item) || train.Cell(user, item) >= 0)
                continue;
            if (!test.TryGetValue(user, out var items))
                test[user] = items = [];
            items.Add(item);
        }
        return new HoldoutSplit(train, test, before);
    }

    /// <summary>Precision@k and nDCG@k (binary gain) averaged over the test users.</summary>
    public RankingQuality Evaluate(Func<int, IReadOnlyList<int>> recommend, int k = 10)
    {
        var (precision, ndcg) = (0.0, 0.0);
        var users = Test.Keys.Order().ToArray();
        var results = new (double Precision, double Ndcg)[users.Length];
        Parallel.For(0, users.Length, index =>
        {
            var user = users[index];
            var relevant = Test[user];
            var list = recommend(user);
            var (hits, dcg) = (0, 0.0);
            for (var rank = 0; rank < Math.Min(k, list.Count); rank++)
            {
                if (relevant.Contains(list[rank]))
                {
                    hits++;
                    dcg += 1 / Math.Log2(rank + 2);
                }
            }
            var ideal = 0.0;
            for (var rank = 0; rank < Math.Min(k, relevant.Count); rank++)
                ideal += 1 / Math.Log2(rank + 2);
            results[index] = ((double)hits / k, dcg / ideal);
        });
        foreach (var (p, n) in results)
        {
            precision += p;
            ndcg += n;
        }
        return new RankingQuality(precision / users.Length, ndcg / users.Length, users.Length, TestPairs);
    }
}

public sealed record RankingQuality(double PrecisionAt10, double NdcgAt10, int Users, int Pairs);
