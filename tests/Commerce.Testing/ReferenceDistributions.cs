namespace Commerce.Testing;

/// <summary>Distribution tails computed without the statistics library the product uses, to check its figures against.</summary>
public static class ReferenceDistributions
{
    /// <summary>2(1 - Phi(|z|)) = erfc(|z|/sqrt 2), by Numerical Recipes' Chebyshev fit of erfc (fractional error below 1.2e-7).</summary>
    public static double TwoSidedNormalTail(double z)
    {
        var x = Math.Abs(z) / Math.Sqrt(2);
        var t = 1 / (1 + 0.5 * x);
        return t * Math.Exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    }

    /// <summary>2 P(T > |t|) for Student's t with <paramref name="df"/> degrees of freedom: Simpson's rule over the density from 0 to |t|.</summary>
    public static double TwoSidedStudentTail(double t, double df)
    {
        var logNormaliser = LogGamma((df + 1) / 2) - LogGamma(df / 2) - 0.5 * Math.Log(df * Math.PI);
        double Density(double x) => Math.Exp(logNormaliser - (df + 1) / 2 * Math.Log(1 + x * x / df));
        const int Steps = 20_000;
        var h = Math.Abs(t) / Steps;
        var sum = Density(0) + Density(Math.Abs(t));
        for (var i = 1; i < Steps; i++)
            sum += (i % 2 == 1 ? 4 : 2) * Density(i * h);
        return 1 - 2 * (sum * h / 3);
    }

    /// <summary>Lanczos' approximation (g = 7, n = 9).</summary>
    private static double LogGamma(double x)
    {
        double[] c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
        x -= 1;
        var a = c[0];
        var t = x + 7.5;
        for (var i = 1; i < 9; i++)
            a += c[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(a);
    }
}
