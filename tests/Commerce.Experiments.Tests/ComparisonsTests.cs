using Commerce.Experiments.Statistics;
using Commerce.Testing;

namespace Commerce.Experiments.Tests;

/// <summary>Each test's figures come from somewhere else: a published table, a closed form, or brute force.</summary>
public sealed class ComparisonsTests
{
    /// <summary>Newcombe (1998), "Interval estimation for the difference between independent proportions", Table II, method 10.</summary>
    [Theory]
    [InlineData(56, 70, 48, 80, 0.0524, 0.3339)]
    [InlineData(9, 10, 3, 10, 0.1705, 0.8090)]
    public void The_interval_of_a_difference_of_rates_is_Newcombes_hybrid_score_interval(int x1, int n1, int x0, int n0, double lower, double upper)
    {
        var comparison = Comparisons.Rates(x0, n0, x1, n1)!;

        Assert.Equal((double)x1 / n1 - (double)x0 / n0, comparison.Difference, 1e-12);
        Assert.Equal(lower, comparison.Lower, 4e-4);
        Assert.Equal(upper, comparison.Upper, 4e-4);
    }

    [Theory]
    [InlineData(30, 200, 45, 210)]
    [InlineData(12, 150, 12, 150)]
    [InlineData(5, 400, 19, 380)]
    public void The_p_value_of_rates_matches_the_z_test_and_a_brute_force_permutation(int x0, int n0, int x1, int n1)
    {
        var p = Comparisons.Rates(x0, n0, x1, n1)!.PValue;

        var pooled = (double)(x0 + x1) / (n0 + n1);
        var z = ((double)x1 / n1 - (double)x0 / n0) / Math.Sqrt(pooled * (1 - pooled) * (1.0 / n0 + 1.0 / n1));
        Assert.Equal(ReferenceDistributions.TwoSidedNormalTail(z), p, 1e-6);

        // Shuffle the outcomes between the groups: how often is the difference at least as large as observed?
        var outcomes = Enumerable.Repeat(true, x0 + x1).Concat(Enumerable.Repeat(false, n0 + n1 - x0 - x1)).ToArray();
        var observed = Math.Abs((double)x1 / n1 - (double)x0 / n0);
        var random = new Random(7);
        const int Shuffles = 20_000;
        var asLarge = 0;
        for (var s = 0; s < Shuffles; s++)
        {
            random.Shuffle(outcomes);
            var first = outcomes.AsSpan(0, n0).Count(true);
            var second = x0 + x1 - first;
            if (Math.Abs((double)second / n1 - (double)first / n0) >= observed - 1e-12)
                asLarge++;
        }
        Assert.Equal((double)asLarge / Shuffles, p, 0.02);
    }

    [Fact]
    public void Welchs_test_matches_its_formula_with_the_t_tail_integrated_numerically()
    {
        double[] control = [12.1, 14.3, 9.8, 20.5, 11.0, 13.7, 15.2, 10.4, 18.9, 12.6];
        double[] variant = [15.4, 22.8, 13.1, 30.2, 17.5, 25.9, 14.0, 19.6];

        var comparison = Comparisons.Means(control, variant)!;

        double Mean(double[] v) => v.Sum() / v.Length;
        double Var(double[] v) => v.Sum(x => (x - Mean(v)) * (x - Mean(v))) / (v.Length - 1);
        var a = Var(control) / control.Length;
        var b = Var(variant) / variant.Length;
        var t = (Mean(variant) - Mean(control)) / Math.Sqrt(a + b);
        var df = (a + b) * (a + b) / (a * a / (control.Length - 1) + b * b / (variant.Length - 1));
        Assert.Equal(Mean(variant) - Mean(control), comparison.Difference, 1e-9);
        Assert.Equal(ReferenceDistributions.TwoSidedStudentTail(t, df), comparison.PValue, 1e-6);
        // The interval holds 0 exactly when p >= 0.05, and is centred on the difference.
        Assert.Equal(comparison.Difference, (comparison.Lower + comparison.Upper) / 2, 1e-9);
        Assert.Equal(comparison.PValue >= 0.05, comparison.Lower <= 0);
    }

    [Theory]
    [InlineData(5100, 4900, 1.0, 1.0)]
    [InlineData(912, 88, 9.0, 1.0)]
    [InlineData(500, 560, 1.0, 1.0)]
    public void The_sample_ratio_check_of_two_variants_is_the_chi_square_tail_with_one_degree_of_freedom(long first, long second, double w1, double w2)
    {
        var total = first + second;
        var e1 = total * w1 / (w1 + w2);
        var e2 = total * w2 / (w1 + w2);
        var chi = (first - e1) * (first - e1) / e1 + (second - e2) * (second - e2) / e2;

        // With one degree of freedom the chi-square tail is the two-sided normal tail of its square root.
        Assert.Equal(ReferenceDistributions.TwoSidedNormalTail(Math.Sqrt(chi)), Comparisons.SampleRatio([first, second], [w1, w2]), 1e-6);
    }
}
