using Commerce.Intelligence.Recommendations.Recall;

namespace Commerce.Intelligence.Recommendations;

/// <summary>Where a candidate came from; the strongest source becomes the reason shown to the buyer.</summary>
public enum RecallKind : byte
{
    SimilarBuyers,
    ViewedSimilar,
    BoughtTogether,
    Trending,
    PopularInSegment,
    Popular,
}

/// <summary>One buyer's candidates with their ranking features (row-major, <see cref="CandidateRecall.FeatureNames"/> per row).</summary>
public sealed record CandidateList(int User, int[] Items, float[] Features, RecallKind[] Source, int[] Anchor)
{
    public int Count => Items.Length;

    public ReadOnlySpan<float> Row(int candidate) => Features.AsSpan(candidate * CandidateRecall.FeatureNames.Length, CandidateRecall.FeatureNames.Length);
}

/// <summary>
/// Every recall source fitted on one interaction matrix, merged into one candidate set per buyer: the best
/// items of item-item collaborative filtering (EASE, or implicit ALS for large catalogues), item cosine,
/// similar-to-recent, bought-together, trending, popular in the buyer's country and segment. Items the buyer
/// has bought are never candidates.
/// </summary>
public sealed class CandidateRecall
{
    public static readonly string[] FeatureNames =
    [
        "collaborative", "collaborative_relative", "cosine", "cosine_relative", "recent_similar", "bought_together",
        "trending", "popular_recent", "popular_share", "country_share", "segment_share", "log_item_price",
        "buyer_price_ratio", "log_price_vs_buyer", "log_buyer_orders", "log_buyer_items", "days_since_buyer_last",
        "days_since_item_sold", "item_age_days", "category_interest", "item_growth", "item_margin",
    ];

    private const float RecentHalfLifeDays = 30;
    private readonly RecommenderOptions _options;
    private readonly RankingInputs _inputs;
    private readonly int[] _trendingTop;
    private readonly int[] _recentTop;
    private readonly float[] _popularShare;

    private CandidateRecall(InteractionMatrix matrix, RecommenderOptions options, RankingInputs inputs, IRecallSource collaborative, ItemSimilarity? cosine,
        BoughtTogether boughtTogether, Popularity trending, Popularity recent, GroupPopularity countries, GroupPopularity segments)
    {
        Matrix = matrix;
        _options = options;
        _inputs = inputs;
        Collaborative = collaborative;
        Cosine = cosine;
        BoughtTogether = boughtTogether;
        Trending = trending;
        Recent = recent;
        Countries = countries;
        Segments = segments;
        var k = options.CandidatesPerSource;
        _trendingTop = TopItems.Of(trending.Scores, k).Select(t => t.Item).ToArray();
        _recentTop = TopItems.Of(recent.Scores, k).Select(t => t.Item).ToArray();
        _popularShare = matrix.ItemBuyers.Select(b => b / (float)Math.Max(1, matrix.UserCount)).ToArray();
        PopularItems = TopItems.Of(_popularShare, 2_000).Select(t => t.Item).ToArray();
    }

    /// <summary>The 2,000 items with the most buyers.</summary>
    public int[] PopularItems { get; }

    public InteractionMatrix Matrix { get; }
    public IRecallSource Collaborative { get; }
    public ItemSimilarity? Cosine { get; }
    public BoughtTogether BoughtTogether { get; }
    public Popularity Trending { get; }
    public Popularity Recent { get; }
    public GroupPopularity Countries { get; }
    public GroupPopularity Segments { get; }

    public static CandidateRecall Fit(InteractionMatrix matrix, RecommenderOptions options, RankingInputs inputs)
    {
        IRecallSource collaborative;
        ItemSimilarity? cosine = null;
        if (matrix.ItemCount <= options.DenseItemLimit)
        {
            collaborative = ItemSimilarity.Ease(matrix, options.EaseLambda);
            cosine = ItemSimilarity.Cosine(matrix);
        }
        else
            collaborative = ImplicitAls.Fit(matrix, options.AlsFactors, iterations: options.AlsIterations, seed: options.Seed);
        return new CandidateRecall(matrix, options, inputs, collaborative, cosine,
            BoughtTogether.Fit(matrix),
            Popularity.Trending(matrix),
            Popularity.Recent(matrix),
            GroupPopularity.Fit(matrix, u => matrix.UserCountry[u]),
            GroupPopularity.Fit(matrix, u => inputs.Buyer(matrix.Users[u])?.Segment));
    }

    /// <summary>The buyer's candidates and their features.</summary>
    public CandidateList For(int user)
    {
        var m = Matrix;
        var n = m.ItemCount;
        var k = _options.CandidatesPerSource;
        var collaborative = new float[n];
        Collaborative.Score(user, collaborative);
        var cosine = new float[n];
        Cosine?.Score(user, cosine);
        var recentSimilar = new float[n];
        var together = new float[n];
        var togetherBest = new float[n];
        var togetherAnchor = new int[n];
        Array.Fill(togetherAnchor, -1);
        var bought = new List<int>();
        var recent = new List<(int Item, float Weight)>();
        for (var c = m.RowStart[user]; c < m.RowStart[user + 1]; c++)
        {
            var item = m.Column[c];
            if (m.Orders[c] > 0)
                bought.Add(item);
            var weight = m.Value[c] * MathF.Pow(0.5f, (float)(m.End - m.LastAt[c]).TotalDays / RecentHalfLifeDays);
            recent.Add((item, weight));
            if (Collaborative is ItemSimilarity similarity)
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(similarity.Row(item), weight, recentSimilar, recentSimilar);
            foreach (var (companion, score) in BoughtTogether.Of(item))
            {
                var contribution = weight * score;
                together[companion] += contribution;
                if (contribution > togetherBest[companion])
                    (togetherBest[companion], togetherAnchor[companion]) = (contribution, item);
            }
        }
        if (Collaborative is not ItemSimilarity)
            together.CopyTo(recentSimilar, 0);

        var excluded = bought.ToArray();
        var country = m.UserCountry[user];
        var segment = _inputs.Buyer(m.Users[user])?.Segment;
        var countryShare = Countries.Of(country);
        var segmentShare = Segments.Of(segment);
        var candidates = new Dictionary<int, RecallKind>();
        void Take(IEnumerable<int> items, RecallKind kind)
        {
            foreach (var item in items)
                candidates.TryAdd(item, kind);
        }
        Take(TopItems.Of(collaborative, k * 2, excluded).Select(t => t.Item), RecallKind.SimilarBuyers);
        if (Cosine is not null)
            Take(TopItems.Of(cosine, k, excluded).Select(t => t.Item), RecallKind.SimilarBuyers);
        Take(TopItems.Of(recentSimilar, k / 2, excluded).Select(t => t.Item), RecallKind.ViewedSimilar);
        Take(TopItems.Of(together, k / 2, excluded).Select(t => t.Item), RecallKind.BoughtTogether);
        var excludedSet = excluded.ToHashSet();
        Take(_trendingTop.Where(i => !excludedSet.Contains(i)), RecallKind.Trending);
        Take(TopItems.Of(countryShare, k / 2, excluded).Select(t => t.Item), RecallKind.PopularInSegment);
        Take(_recentTop.Where(i => !excludedSet.Contains(i)).Take(k / 2), RecallKind.Popular);

        var items = candidates.Keys.ToArray();
        var width = FeatureNames.Length;
        var features = new float[items.Length * width];
        var (maxCollaborative, maxCosine) = (Max(collaborative, items), Max(cosine, items));
        var buyerPrices = bought.Select(i => m.ItemMedianPrice[i]).Where(p => p > 0).ToList();
        var buyerPrice = buyerPrices.Count > 0 ? InteractionMatrix.Median(buyerPrices) : float.NaN;
        var buyer = _inputs.Buyer(m.Users[user]);
        var daysSinceBuyer = (float)(m.End - m.UserLastAt[user]).TotalDays;
        var sources = new RecallKind[items.Length];
        var anchors = new int[items.Length];
        for (var r = 0; r < items.Length; r++)
        {
            var item = items[r];
            var facts = _inputs.Item(m.Items[item]);
            var price = facts?.Price is { } listed ? (float)listed : m.ItemMedianPrice[item];
            var row = features.AsSpan(r * width, width);
            row[0] = collaborative[item];
            row[1] = maxCollaborative > 0 ? collaborative[item] / maxCollaborative : 0;
            row[2] = cosine[item];
            row[3] = maxCosine > 0 ? cosine[item] / maxCosine : 0;
            row[4] = recentSimilar[item];
            row[5] = together[item];
            row[6] = Trending.Scores[item];
            row[7] = Recent.Scores[item];
            row[8] = _popularShare[item];
            row[9] = countryShare[item];
            row[10] = segment is null ? float.NaN : segmentShare[item];
            row[11] = MathF.Log(price);
            row[12] = buyer?.PriceSensitivity is { } sensitivity ? (float)sensitivity : m.UserPriceRatio[user];
            row[13] = MathF.Log(price / buyerPrice);
            row[14] = MathF.Log(1 + m.UserOrders[user]);
            row[15] = MathF.Log(1 + m.RowStart[user + 1] - m.RowStart[user]);
            row[16] = daysSinceBuyer;
            row[17] = (float)(m.End - m.ItemLastAt[item]).TotalDays;
            row[18] = (float)(m.End - m.ItemFirstAt[item]).TotalDays;
            row[19] = facts?.Category is { } category && buyer?.CategoryInterests is { } interests ? (float)interests.GetValueOrDefault(category) : float.NaN;
            row[20] = (m.ItemRecentBuyers[item] + 1f) / (m.ItemEarlierBuyers[item] + 1f);
            row[21] = facts?.Margin is { } margin ? (float)margin : float.NaN;
            (sources[r], anchors[r]) = Explain(candidates[item], item, together, togetherAnchor, recent);
        }
        return new CandidateList(user, items, features, sources, anchors);
    }

    /// <summary>The reason to show: a bought-together or similar-to-recent anchor when one is strong, else the source that found the item.</summary>
    private (RecallKind, int) Explain(RecallKind found, int item, float[] together, int[] togetherAnchor, List<(int Item, float Weight)> recent)
    {
        if (togetherAnchor[item] >= 0 && together[item] > 0.05f)
            return (RecallKind.BoughtTogether, togetherAnchor[item]);
        if (found == RecallKind.ViewedSimilar && Collaborative is ItemSimilarity similarity && recent.Count > 0)
        {
            var anchor = recent.MaxBy(r => r.Weight * similarity.Row(r.Item)[item]).Item;
            return (RecallKind.ViewedSimilar, anchor);
        }
        return (found, -1);
    }

    private static float Max(float[] scores, int[] items)
    {
        var max = 0f;
        foreach (var item in items)
            max = Math.Max(max, scores[item]);
        return max;
    }
}
