namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>
/// Items bought in the same order, kept sparse: for each item its strongest companions, scored by co-orders
/// over the geometric mean of both items' orders (so a best-seller is not everybody's companion).
/// </summary>
public sealed class BoughtTogether
{
    private readonly (int Item, float Score)[][] _companions;

    private BoughtTogether((int, float)[][] companions) => _companions = companions;

    public IReadOnlyList<(int Item, float Score)> Of(int item) => _companions[item];

    /// <param name="maxBasket">larger orders (a wholesaler restocking half the catalogue) say little about what goes together, and cost the square of their size.</param>
    public static BoughtTogether Fit(InteractionMatrix matrix, int companions = 50, int maxBasket = 100)
    {
        var n = matrix.ItemCount;
        var orders = new int[n];
        // A tuple key hashes both items; a packed long would hash as a ^ b, putting millions of pairs in a few thousand buckets.
        var pairs = new Dictionary<(int A, int B), int>();
        foreach (var basket in matrix.Baskets)
        {
            foreach (var item in basket)
                orders[item]++;
            if (basket.Length > maxBasket)
                continue;
            for (var a = 0; a < basket.Length; a++)
            for (var b = a + 1; b < basket.Length; b++)
            {
                var key = (basket[a], basket[b]);
                pairs[key] = pairs.GetValueOrDefault(key) + 1;
            }
        }
        var lists = new List<(int, float)>[n];
        for (var i = 0; i < n; i++)
            lists[i] = [];
        foreach (var (key, count) in pairs)
        {
            if (count < 2)
                continue;
            var (a, b) = key;
            var score = count / MathF.Sqrt((float)orders[a] * orders[b]);
            lists[a].Add((b, score));
            lists[b].Add((a, score));
        }
        return new BoughtTogether(lists.Select(l => l.OrderByDescending(p => p.Item2).ThenBy(p => p.Item1).Take(companions).ToArray()).ToArray());
    }

    /// <summary>Adds <paramref name="weight"/> x each companion's score of <paramref name="item"/> to <paramref name="scores"/>.</summary>
    public void Add(int item, float weight, Span<float> scores)
    {
        foreach (var (companion, score) in _companions[item])
            scores[companion] += weight * score;
    }
}
