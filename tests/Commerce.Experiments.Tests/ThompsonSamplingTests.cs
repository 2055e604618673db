using Commerce.Experiments.Bandits;

namespace Commerce.Experiments.Tests;

public sealed class ThompsonSamplingTests
{
    /// <summary>Three strategies with click rates of 2%, 4% and 7%, unknown to the bandit; it learns from each simulated list it shows.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_seeded_simulation_converges_to_the_best_strategy(int seed)
    {
        var truth = new Dictionary<string, double> { ["ranker"] = 0.04, ["popular"] = 0.02, ["reorder-first"] = 0.07 };
        var arms = truth.Keys.ToList();
        var records = arms.ToDictionary(a => a, _ => new ArmRecord(0, 0));
        var random = new Random(seed);
        var lastPlays = new List<string>();
        const int Rounds = 20_000;
        for (var round = 0; round < Rounds; round++)
        {
            var arm = ThompsonSampling.Choose(arms, a => records[a], random);
            var clicked = random.NextDouble() < truth[arm];
            records[arm] = new ArmRecord(records[arm].Trials + 1, records[arm].Successes + (clicked ? 1 : 0));
            if (round >= Rounds - 2_000)
                lastPlays.Add(arm);
        }

        Assert.True(lastPlays.Count(a => a == "reorder-first") > 0.9 * lastPlays.Count, string.Join(", ", records.Select(r => $"{r.Key} {r.Value}")));
        // Exploration never stops entirely, but the worst arm got few of the plays.
        Assert.True(records["popular"].Trials < 0.1 * Rounds, $"popular played {records["popular"].Trials} times");
    }

    [Fact]
    public void Without_evidence_every_strategy_is_played_about_equally()
    {
        string[] arms = ["a", "b", "c"];
        var random = new Random(4);
        var plays = Enumerable.Range(0, 30_000).Select(_ => ThompsonSampling.Choose(arms, _ => new ArmRecord(0, 0), random)).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

        Assert.All(arms, a => Assert.InRange(plays[a], 9_500, 10_500));
    }
}
