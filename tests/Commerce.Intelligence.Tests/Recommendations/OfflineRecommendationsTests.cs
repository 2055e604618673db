using System.Globalization;
using Commerce.Intelligence.Recommendations;

namespace Commerce.Intelligence.Tests.Recommendations;

public sealed class OfflineRecommendationsTests
{
    [Fact]
    public void Every_user_gets_k_ranked_items_they_do_not_have()
    {
        var random = new Random(4);
        var lines = new List<string>();
        for (var u = 0; u < 60; u++)
        {
            var group = u % 3;
            foreach (var item in Enumerable.Range(0, 6).Select(_ => $"g{group}-i{random.Next(15)}").Distinct())
                lines.Add(u % 2 == 0 ? $"u{u}\t{item}" : $"u{u}\t{item}\t2.5");
        }
        var interactions = OfflineRecommendations.ReadTsv(new StringReader(string.Join('\n', lines)));

        var rows = OfflineRecommendations.Recommend(interactions, 5, new RecommenderOptions { RankerTrees = 20, RankerLeaves = 7, RankerMinimumLeafExamples = 5 }).ToList();
        var output = new StringWriter();
        OfflineRecommendations.WriteTsv(output, rows);

        var had = lines.Select(l => l.Split('\t')).GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.Select(f => f[1]).ToHashSet());
        var written = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(had.Keys.Order(), written.Select(w => w[0]).Distinct().Order());
        foreach (var user in written.GroupBy(w => w[0]))
        {
            Assert.Equal([1, 2, 3, 4, 5], user.Select(w => int.Parse(w[2], CultureInfo.InvariantCulture)));
            Assert.Empty(user.Select(w => w[1]).Intersect(had[user.Key]));
            Assert.Equal(5, user.Select(w => w[1]).Distinct().Count());
        }
        Assert.Equal(2.5, interactions.First(i => i.UserId == "u1").Weight);
    }

    [Theory]
    [InlineData("u1", "Line 1")]
    [InlineData("u1\titem\theavy", "weight 'heavy'")]
    [InlineData("u1\titem\t0", "weight '0'")]
    [InlineData("u1\titem\t1\tyesterday", "time 'yesterday'")]
    [InlineData("u1\titem\n\nu2\titem\t1\t2\textra", "Line 3")]
    public void A_malformed_line_is_refused_with_its_number(string content, string expected)
    {
        var error = Assert.Throws<FormatException>(() => OfflineRecommendations.ReadTsv(new StringReader(content)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Unix_times_become_times_and_orders()
    {
        var interactions = OfflineRecommendations.ReadTsv(new StringReader("a\tx\t1\t1700000000"));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1_700_000_000), interactions[0].At);
        Assert.Equal("a@1700000000", interactions[0].Basket);
    }
}
