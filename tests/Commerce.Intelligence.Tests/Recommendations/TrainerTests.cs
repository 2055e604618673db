using Commerce.Intelligence.Recommendations;
using static Commerce.Intelligence.Tests.Recommendations.Generated;

namespace Commerce.Intelligence.Tests.Recommendations;

public sealed class TrainerTests
{
    private static readonly RecommenderOptions Small = new() { RankerTrees = 30, RankerLeaves = 7, RankerMinimumLeafExamples = 5, CandidatesPerSource = 10 };

    [Fact]
    public void Buyers_get_the_unbought_items_of_their_own_group_and_nothing_they_bought()
    {
        var interactions = Clusters(clusters: 3, usersPerCluster: 15, itemsPerCluster: 12, days: 400, ordersPerUser: 8, seed: 11);
        var cut = Start.AddDays(400);

        var model = RecommendationModel.From(new RecommendationTrainer(Small).Train(interactions, cut), Small);

        var bought = interactions.GroupBy(i => i.UserId).ToDictionary(g => g.Key, g => g.Select(i => i.Sku).ToHashSet());
        var (inGroup, total) = (0, 0);
        foreach (var (user, buyer) in model.Buyers)
        {
            var top = buyer.Ranked.Take(3).Select(r => model.Items[r.Item]).ToList();
            Assert.Empty(top.Intersect(bought[user]));
            inGroup += top.Count(sku => ClusterOf(sku) == ClusterOf(user));
            total += top.Count;
        }
        Assert.True(total > 0);
        Assert.True(inGroup >= 0.9 * total, $"{inGroup} of {total} recommended items are in the buyer's own group");
    }

    [Fact]
    public void Nothing_at_or_after_the_cut_reaches_the_model()
    {
        var interactions = Clusters(clusters: 2, usersPerCluster: 12, itemsPerCluster: 10, days: 300, ordersPerUser: 8, seed: 21);
        var cut = Start.AddDays(300);
        var later = Clusters(clusters: 2, usersPerCluster: 12, itemsPerCluster: 10, days: 60, ordersPerUser: 8, seed: 22)
            .Select(i => i with { At = i.At.AddDays(300), Basket = i.Basket + "-later" }).ToList();

        var without = Serialized(new RecommendationTrainer(Small).Train(interactions, cut));
        var with = Serialized(new RecommendationTrainer(Small).Train([.. interactions, .. later], cut));

        Assert.Equal(without, with);
    }

    [Fact]
    public void A_model_survives_writing_and_reading()
    {
        var interactions = Clusters(clusters: 2, usersPerCluster: 10, itemsPerCluster: 8, days: 300, ordersPerUser: 6, seed: 31);
        var model = RecommendationModel.From(new RecommendationTrainer(Small).Train(interactions, Start.AddDays(300)), Small);
        using var stream = new MemoryStream();
        model.Write(stream);
        stream.Position = 0;

        var read = RecommendationModel.Read(stream);

        Assert.Equal(model.DataEnd, read.DataEnd);
        Assert.Equal(model.Items, read.Items);
        Assert.Equal(model.Buyers.Keys.Order(), read.Buyers.Keys.Order());
        Assert.All(model.Buyers, b =>
        {
            Assert.Equal(b.Value.Ranked, read.Buyers[b.Key].Ranked);
            Assert.Equal(b.Value.Purchases, read.Buyers[b.Key].Purchases);
            Assert.Equal(b.Value.Country, read.Buyers[b.Key].Country);
        });
        Assert.Equal(model.Similar.Select(s => s.ToList()), read.Similar.Select(s => s.ToList()));
        Assert.Equal(model.Together.Select(s => s.ToList()), read.Together.Select(s => s.ToList()));
        Assert.Equal(model.Popular, read.Popular);
        Assert.Equal(model.Trending, read.Trending);
        Assert.Equal(model.PopularByCountry.Keys, read.PopularByCountry.Keys);
    }

    [Fact]
    public void Training_without_history_before_the_cut_is_refused()
    {
        var interactions = Clusters(clusters: 1, usersPerCluster: 3, itemsPerCluster: 3, days: 10, ordersPerUser: 2, seed: 1);
        Assert.Throws<InvalidOperationException>(() => new RecommendationTrainer(Small).Train(interactions, Start));
    }

    [Fact]
    public void Category_interest_is_the_share_of_a_buyers_purchase_lines_in_each_category()
    {
        var items = new Dictionary<string, ItemFacts> { ["A"] = new("cups"), ["B"] = new("cups"), ["C"] = new("plates"), ["D"] = new(Category: null) };
        var inputs = RankingInputs.FromCatalog([Bought("u", "A", 1), Bought("u", "B", 2), Bought("u", "C", 3), Bought("u", "A", 4), Bought("u", "D", 5), Bought("v", "Z", 1)], items);

        Assert.Equal(0.75, inputs.Buyer("u")!.CategoryInterests!["cups"]);
        Assert.Equal(0.25, inputs.Buyer("u")!.CategoryInterests!["plates"]);
        Assert.Null(inputs.Buyer("v"));
        Assert.Equal("plates", inputs.Item("C")!.Category);
    }

    private static byte[] Serialized(TrainedRecommender trained)
    {
        using var stream = new MemoryStream();
        RecommendationModel.From(trained, Small).Write(stream);
        return stream.ToArray();
    }
}
