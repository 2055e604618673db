using MathNet.Numerics.Distributions;

namespace Commerce.Experiments.Statistics;

/// <summary>A variant against control: the difference (variant minus control), its 95% interval and a two-sided p-value.</summary>
public sealed record Comparison(double Difference, double Lower, double Upper, double PValue);

/// <summary>
/// The tests a result states. Rates (conversion, click-through): the pooled two-proportion z-test for the p-value and
/// Newcombe's hybrid score interval (method 10, from Wilson's intervals of each rate) for the difference, which keeps
/// its coverage near 95% for small counts and rates near 0 where the Wald interval does not. Means (revenue per buyer):
/// Welch's t-test with Welch-Satterthwaite degrees of freedom, which does not assume equal variances.
/// Sample-ratio mismatch: Pearson's chi-square goodness-of-fit of the exposures against the declared split.
/// </summary>
public static class Comparisons
{
    public const double Confidence = 0.95;

    private static readonly double Z = Normal.InvCDF(0, 1, 1 - (1 - Confidence) / 2);

    /// <summary>Wilson's score interval of one rate.</summary>
    public static (double Lower, double Upper) Wilson(long successes, long trials)
    {
        if (trials == 0)
            return (0, 1);
        var p = (double)successes / trials;
        var z2 = Z * Z;
        var centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
        var half = Z * Math.Sqrt(p * (1 - p) / trials + z2 / (4.0 * trials * trials)) / (1 + z2 / trials);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <returns>null when either side has no trials.</returns>
    public static Comparison? Rates(long controlSuccesses, long controlTrials, long variantSuccesses, long variantTrials)
    {
        if (controlTrials == 0 || variantTrials == 0)
            return null;
        var p0 = (double)controlSuccesses / controlTrials;
        var p1 = (double)variantSuccesses / variantTrials;
        var (l0, u0) = Wilson(controlSuccesses, controlTrials);
        var (l1, u1) = Wilson(variantSuccesses, variantTrials);
        var difference = p1 - p0;
        var lower = difference - Math.Sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0));
        var upper = difference + Math.Sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0));

        var pooled = (double)(controlSuccesses + variantSuccesses) / (controlTrials + variantTrials);
        var standardError = Math.Sqrt(pooled * (1 - pooled) * (1.0 / controlTrials + 1.0 / variantTrials));
        // Both rates 0 or both 1: nothing to tell apart.
        var pValue = standardError == 0 ? 1 : 2 * (1 - Normal.CDF(0, 1, Math.Abs(difference) / standardError));
        return new Comparison(difference, lower, upper, pValue);
    }

    /// <returns>null when either side has fewer than two values, or neither varies.</returns>
    public static Comparison? Means(IReadOnlyList<double> control, IReadOnlyList<double> variant)
    {
        if (control.Count < 2 || variant.Count < 2)
            return null;
        var (m0, v0) = MeanAndVariance(control);
        var (m1, v1) = MeanAndVariance(variant);
        var s0 = v0 / control.Count;
        var s1 = v1 / variant.Count;
        var standardError = Math.Sqrt(s0 + s1);
        if (standardError == 0)
            return null;
        var degrees = (s0 + s1) * (s0 + s1) / (s0 * s0 / (control.Count - 1) + s1 * s1 / (variant.Count - 1));
        var difference = m1 - m0;
        var t = StudentT.InvCDF(0, 1, degrees, 1 - (1 - Confidence) / 2);
        var pValue = 2 * (1 - StudentT.CDF(0, 1, degrees, Math.Abs(difference) / standardError));
        return new Comparison(difference, difference - t * standardError, difference + t * standardError, pValue);
    }

    /// <summary>The p-value of the observed counts against the expected shares (which need not sum to 1).</summary>
    public static double SampleRatio(IReadOnlyList<long> observed, IReadOnlyList<double> weights)
    {
        var total = observed.Sum();
        if (total == 0 || observed.Count < 2)
            return 1;
        var weightSum = weights.Sum();
        var chiSquare = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = total * weights[i] / weightSum;
            chiSquare += (observed[i] - expected) * (observed[i] - expected) / expected;
        }
        return 1 - ChiSquared.CDF(observed.Count - 1, chiSquare);
    }

    private static (double Mean, double Variance) MeanAndVariance(IReadOnlyList<double> values)
    {
        var mean = values.Average();
        var squares = values.Sum(v => (v - mean) * (v - mean));
        return (mean, squares / (values.Count - 1));
    }
}
