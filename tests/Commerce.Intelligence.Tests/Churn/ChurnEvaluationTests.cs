using Commerce.Intelligence.Churn;

namespace Commerce.Intelligence.Tests.Churn;

/// <summary>The churn metrics against the textbook definitions, computed here the slow, obvious way.</summary>
public sealed class ChurnEvaluationTests
{
    /// <summary>Probabilities on a coarse grid, so that many customers share one (ties are where ranking code goes wrong).</summary>
    private static (double[] P, bool[] Y) Sample(int seed, int n)
    {
        var random = new Random(seed);
        var y = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.4).ToArray();
        var p = y.Select(c => Math.Round(Math.Clamp((c ? 0.6 : 0.4) + (random.NextDouble() - 0.5) * 0.8, 0, 1), 1)).ToArray();
        return (p, y);
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 200)]
    [InlineData(3, 7)]
    public void Auc_is_the_share_of_churner_stayer_pairs_ranked_right_with_ties_counting_half(int seed, int n)
    {
        var (p, y) = Sample(seed, n);
        double pairs = 0, right = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (!y[i] || y[j])
                    continue;
                pairs++;
                right += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
            }
        }
        if (pairs == 0)
            return;
        Assert.Equal(right / pairs, ChurnEvaluation.Evaluate(p, y).Auc, 12);
    }

    [Theory]
    [InlineData(4, 60)]
    [InlineData(5, 300)]
    public void Pr_auc_is_the_mean_over_churners_of_the_precision_among_everyone_scored_at_least_as_high(int seed, int n)
    {
        var (p, y) = Sample(seed, n);
        var precisions = Enumerable.Range(0, n).Where(i => y[i]).Select(i =>
        {
            var atLeast = Enumerable.Range(0, n).Where(j => p[j] >= p[i]).ToList();
            return atLeast.Count(j => y[j]) / (double)atLeast.Count;
        }).ToList();
        Assert.Equal(precisions.Average(), ChurnEvaluation.Evaluate(p, y).PrAuc, 12);
    }

    [Fact]
    public void Brier_and_top_decile_lift_match_a_recount()
    {
        var random = new Random(6);
        var p = Enumerable.Range(0, 95).Select(_ => random.NextDouble()).ToArray();
        var y = p.Select(v => random.NextDouble() < v).ToArray();
        var quality = ChurnEvaluation.Evaluate(p, y);

        Assert.Equal(p.Zip(y, (v, c) => Math.Pow(v - (c ? 1 : 0), 2)).Sum() / 95, quality.Brier, 12);
        // 95 customers: the top decile is the 10 riskiest (rounded up).
        var top = p.Zip(y).OrderByDescending(t => t.First).Take(10).Count(t => t.Second) / 10.0;
        Assert.Equal(top / (y.Count(c => c) / 95.0), quality.TopDecileLift, 12);
        Assert.Equal((95, y.Count(c => c)), (quality.Customers, quality.Churned));
    }

    [Fact]
    public void A_perfect_ranking_scores_one_and_a_reversed_one_zero()
    {
        bool[] y = [true, true, false, false, false];
        double[] p = [0.9, 0.8, 0.3, 0.2, 0.1];
        Assert.Equal((1.0, 1.0), (ChurnEvaluation.Evaluate(p, y).Auc, ChurnEvaluation.Evaluate(p, y).PrAuc));
        Assert.Equal(0.0, ChurnEvaluation.Evaluate(p.Select(v => 1 - v).ToArray(), y).Auc);
    }

    [Fact]
    public void Evaluation_needs_both_outcomes_and_one_probability_per_customer()
    {
        Assert.Throws<ArgumentException>(() => ChurnEvaluation.Evaluate([0.2, 0.4], [true, true]));
        Assert.Throws<ArgumentException>(() => ChurnEvaluation.Evaluate([0.2], [true, false]));
    }
}
