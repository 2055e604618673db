using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Recall;
using static Commerce.Intelligence.Tests.Recommendations.Generated;

namespace Commerce.Intelligence.Tests.Recommendations;

public sealed class RecallSourceTests
{
    /// <summary>
    /// A, B and C are always bought together by three users; D and E by two others. Buyer "partial" has bought
    /// A and B only: C is what every collaborative source must put first for them.
    /// </summary>
    private static List<Interaction> TwoGroups() =>
    [
        .. new[] { "x1", "x2", "x3" }.SelectMany((u, n) => new[] { Bought(u, "A", n), Bought(u, "B", n), Bought(u, "C", n) }),
        .. new[] { "y1", "y2" }.SelectMany((u, n) => new[] { Bought(u, "D", n), Bought(u, "E", n) }),
        Bought("partial", "A", 5), Bought("partial", "B", 5),
        Bought("y1", "A", 9),
    ];

    private static InteractionMatrix Matrix(IEnumerable<Interaction> interactions) => InteractionMatrix.Build(interactions, Start.AddDays(60));

    private static string Top(IRecallSource source, InteractionMatrix m, string user)
    {
        var scores = new float[m.ItemCount];
        source.Score(m.UserIndex[user], scores);
        var bought = m.ItemsOf(m.UserIndex[user]).ToArray();
        return m.Items[TopItems.Of(scores, 1, bought)[0].Item];
    }

    [Fact]
    public void Ease_cosine_and_als_put_the_missing_item_of_the_group_first()
    {
        var m = Matrix(TwoGroups());

        Assert.Equal("C", Top(ItemSimilarity.Ease(m, 0.5), m, "partial"));
        Assert.Equal("C", Top(ItemSimilarity.Cosine(m), m, "partial"));
        Assert.Equal("C", Top(ImplicitAls.Fit(m, factors: 4, iterations: 15, conjugateSteps: 4), m, "partial"));
    }

    [Fact]
    public void Ease_weights_are_the_closed_form_computed_independently()
    {
        var m = Matrix(TwoGroups());
        var n = m.ItemCount;
        const double lambda = 2;
        // G + λI by counting co-buyers directly, inverted by Gauss-Jordan elimination.
        var a = new double[n, 2 * n];
        foreach (var i in Enumerable.Range(0, n))
        {
            foreach (var j in Enumerable.Range(0, n))
                a[i, j] = Enumerable.Range(0, m.UserCount).Count(u => m.Cell(u, i) >= 0 && m.Cell(u, j) >= 0) + (i == j ? lambda : 0);
            a[i, n + i] = 1;
        }
        for (var p = 0; p < n; p++)
        {
            var pivot = a[p, p];
            for (var c = 0; c < 2 * n; c++)
                a[p, c] /= pivot;
            for (var r = 0; r < n; r++)
            {
                if (r == p)
                    continue;
                var f = a[r, p];
                for (var c = 0; c < 2 * n; c++)
                    a[r, c] -= f * a[p, c];
            }
        }

        var ease = ItemSimilarity.Ease(m, lambda);

        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
            Assert.Equal(i == j ? 0 : -a[i, n + j] / a[j, n + j], ease.Row(i)[j], 1e-5);
    }

    [Fact]
    public void Cosine_of_items_with_the_same_buyers_is_one_and_of_items_without_common_buyers_zero()
    {
        var m = Matrix(TwoGroups());
        var cosine = ItemSimilarity.Cosine(m);
        Assert.Equal(1f, cosine.Row(m.ItemIndex["D"])[m.ItemIndex["E"]], 1e-6f);
        Assert.Equal(0f, cosine.Row(m.ItemIndex["C"])[m.ItemIndex["D"]]);
        Assert.Equal(0f, cosine.Row(m.ItemIndex["A"])[m.ItemIndex["A"]]);
        // A has 5 buyers, D 2, one in common: 1 / sqrt(5 * 2).
        Assert.Equal(1 / MathF.Sqrt(10), cosine.Row(m.ItemIndex["A"])[m.ItemIndex["D"]], 1e-6f);
    }

    [Fact]
    public void Bought_together_counts_shared_orders_over_the_geometric_mean_and_ignores_single_coincidences()
    {
        var m = Matrix(TwoGroups());
        var together = BoughtTogether.Fit(m);

        // B and C share 3 orders, B is in 4 orders and C in 3.
        var bc = together.Of(m.ItemIndex["B"]).Single(c => m.Items[c.Item] == "C");
        Assert.Equal(3 / MathF.Sqrt(4 * 3), bc.Score, 1e-6f);
        // y1 bought A and D, but in different orders: no pair.
        Assert.DoesNotContain(together.Of(m.ItemIndex["A"]), c => m.Items[c.Item] == "D");
    }

    [Fact]
    public void Popularity_counts_buyers_and_trending_favours_items_bought_more_this_month_than_last()
    {
        var end = Start.AddDays(60);
        var interactions = new List<Interaction>();
        for (var u = 0; u < 6; u++)
            interactions.Add(Bought($"old{u}", "STEADY", 10));
        for (var u = 0; u < 4; u++)
            interactions.Add(Bought($"new{u}", "RISING", 50));
        interactions.Add(Bought("once", "STEADY", 45));
        var m = InteractionMatrix.Build(interactions, end);

        Assert.Equal(7, Popularity.AllTime(m).Scores[m.ItemIndex["STEADY"]]);
        Assert.Equal(4, Popularity.AllTime(m).Scores[m.ItemIndex["RISING"]]);
        Assert.Equal(4, m.ItemRecentBuyers[m.ItemIndex["RISING"]]);
        Assert.Equal((1, 6), (m.ItemRecentBuyers[m.ItemIndex["STEADY"]], m.ItemEarlierBuyers[m.ItemIndex["STEADY"]]));
        var trending = Popularity.Trending(m).Scores;
        Assert.True(trending[m.ItemIndex["RISING"]] > trending[m.ItemIndex["STEADY"]]);
    }

    [Fact]
    public void The_usual_reorder_interval_is_the_median_gap_between_order_days()
    {
        var m = Matrix([Bought("shop", "X", 0), Bought("shop", "X", 10), Bought("shop", "X", 30, "second-order-same-day"), Bought("shop", "X", 30), Bought("shop", "Y", 3)]);
        var x = m.Cell(m.UserIndex["shop"], m.ItemIndex["X"]);
        var y = m.Cell(m.UserIndex["shop"], m.ItemIndex["Y"]);

        Assert.Equal(15f, m.UsualInterval[x]);
        Assert.Equal(4, m.Orders[x]);
        Assert.True(float.IsNaN(m.UsualInterval[y]));
    }

    [Fact]
    public void The_collaborative_source_is_ease_up_to_the_dense_limit_and_als_beyond_it()
    {
        var interactions = Clusters(clusters: 3, usersPerCluster: 15, itemsPerCluster: 12, days: 60, ordersPerUser: 5, seed: 3);
        var m = InteractionMatrix.Build(interactions, Start.AddDays(60));

        var dense = CandidateRecall.Fit(m, new RecommenderOptions { DenseItemLimit = m.ItemCount }, RankingInputs.None);
        var factored = CandidateRecall.Fit(m, new RecommenderOptions { DenseItemLimit = m.ItemCount - 1, AlsFactors = 8 }, RankingInputs.None);

        Assert.IsType<ItemSimilarity>(dense.Collaborative);
        Assert.IsType<ImplicitAls>(factored.Collaborative);
        foreach (var recall in new[] { dense, factored })
        {
            for (var u = 0; u < m.UserCount; u++)
            {
                var scores = new float[m.ItemCount];
                recall.Collaborative.Score(u, scores);
                var best = TopItems.Of(scores, 1, m.ItemsOf(u).ToArray()).Single();
                Assert.True(ClusterOf(m.Users[u]) == ClusterOf(m.Items[best.Item]), $"{recall.Collaborative.Name} gives {m.Users[u]} {m.Items[best.Item]}");
            }
        }
    }

    [Fact]
    public void Candidates_never_include_what_the_buyer_bought()
    {
        var interactions = Clusters(clusters: 2, usersPerCluster: 10, itemsPerCluster: 10, days: 60, ordersPerUser: 4, seed: 5);
        var m = InteractionMatrix.Build(interactions, Start.AddDays(60));
        var recall = CandidateRecall.Fit(m, new RecommenderOptions(), RankingInputs.None);

        for (var u = 0; u < m.UserCount; u++)
        {
            var list = recall.For(u);
            Assert.NotEmpty(list.Items);
            Assert.Empty(list.Items.Intersect(m.ItemsOf(u).ToArray()));
            Assert.Equal(list.Items.Length * CandidateRecall.FeatureNames.Length, list.Features.Length);
        }
    }
}
