using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace Commerce.Intelligence.Churn;

/// <summary>
/// A customer's repeat buying as of a cut, in the form the customer-base models read it.
/// </summary>
/// <param name="Repeats">purchases after the first (x); purchases on one calendar day count once.</param>
/// <param name="RecencyDays">days from the first purchase to the last (t_x); 0 when there was only one.</param>
/// <param name="AgeDays">days from the first purchase to the cut (T).</param>
public readonly record struct RepeatBuying(int Repeats, double RecencyDays, double AgeDays);

/// <summary>
/// The BG/NBD customer-base model (Fader, Hardie and Lee, 2005): while alive a customer buys at a Poisson rate
/// drawn from gamma(r, alpha) across customers, and after each purchase drops out for good with a probability drawn
/// from beta(a, b). Fitted by maximum likelihood on the (x, t_x, T) of every customer at a cut, it tells each one's
/// chance of still being alive and of buying again within a horizon from their own history and everyone else's.
/// </summary>
public sealed record BgNbd(double R, double Alpha, double A, double B)
{
    /// <summary>Maximum likelihood by Nelder-Mead over (bounded) log-parameters, so all four stay positive.</summary>
    /// <exception cref="ArgumentException">no customers, or no customer who bought twice: nothing to learn dropout from.</exception>
    /// <exception cref="MaximumIterationsException">the likelihood did not settle (MathNet's own exception).</exception>
    public static BgNbd Fit(IReadOnlyList<RepeatBuying> customers)
    {
        if (customers.Count == 0 || customers.All(c => c.Repeats == 0))
            throw new ArgumentException("The BG/NBD model needs customers, some of whom bought more than once.", nameof(customers));
        // Customers with the same history add the same term: each distinct one is computed once and weighted.
        var groups = customers.GroupBy(c => c).Select(g => (History: g.Key, Count: (double)g.Count())).ToArray();
        var meanAge = customers.Average(c => c.AgeDays);
        var objective = ObjectiveFunction.Value(p =>
        {
            var model = FromLog(p);
            var total = 0.0;
            foreach (var (history, count) in groups)
                total += count * model.LogLikelihood(history);
            return double.IsFinite(total) ? -total / customers.Count : double.MaxValue;
        });
        // r = 1, alpha = the mean age (about one purchase per age), a = b = 1: a start every data set can move from.
        var point = Vector<double>.Build.Dense([0, Math.Log(Math.Max(1, meanAge)), 0, 0]);
        var value = double.MaxValue;
        // A simplex can shrink before it reaches the optimum of a long, curved valley (r and alpha trade off):
        // it is restarted from where it stopped until a restart no longer improves the fit.
        for (var restart = 0; restart < 20; restart++)
        {
            var result = new NelderMeadSimplex(1e-10, 20_000).FindMinimum(objective, point);
            if (result.FunctionInfoAtMinimum.Value >= value)
                break;
            var improvement = value - result.FunctionInfoAtMinimum.Value;
            (point, value) = (result.MinimizingPoint, result.FunctionInfoAtMinimum.Value);
            if (improvement <= 1e-10)
                break;
        }
        return FromLog(point);
    }

    /// <summary>
    /// Each parameter is exp(12 tanh(u / 12)): positive, and kept within e^±12. Where the likelihood keeps rising
    /// towards a limit (nobody drops out: a to 0 and b to infinity, as on the Online Retail history; or every
    /// customer buying at one rate: r and alpha to infinity together) the fit settles near that edge instead of
    /// wandering off.
    /// </summary>
    private static BgNbd FromLog(Vector<double> u) => new(Bounded(u[0]), Bounded(u[1]), Bounded(u[2]), Bounded(u[3]));

    private static double Bounded(double u) => Math.Exp(12 * Math.Tanh(u / 12));

    /// <summary>The log of one customer's likelihood (equation 6 of the paper), in a form that cannot overflow.</summary>
    public double LogLikelihood(RepeatBuying c)
    {
        var x = c.Repeats;
        var a1 = SpecialFunctions.GammaLn(R + x) - SpecialFunctions.GammaLn(R) + R * Math.Log(Alpha);
        var a2 = SpecialFunctions.GammaLn(A + B) + SpecialFunctions.GammaLn(B + x) - SpecialFunctions.GammaLn(B) - SpecialFunctions.GammaLn(A + B + x);
        var a3 = -(R + x) * Math.Log(Alpha + c.AgeDays);
        if (x == 0)
            return a1 + a2 + a3;
        var a4 = Math.Log(A) - Math.Log(B + x - 1) - (R + x) * Math.Log(Alpha + c.RecencyDays);
        var top = Math.Max(a3, a4);
        return a1 + a2 + top + Math.Log(Math.Exp(a3 - top) + Math.Exp(a4 - top));
    }

    /// <summary>The odds against being alive, over the odds for (0 for a customer who never bought again).</summary>
    private double DeadOdds(RepeatBuying c) => c.Repeats == 0
        ? 0
        : A / (B + c.Repeats - 1) * Math.Pow((Alpha + c.AgeDays) / (Alpha + c.RecencyDays), R + c.Repeats);

    /// <summary>P(alive at the cut | x, t_x, T).</summary>
    public double ProbabilityAlive(RepeatBuying c) => 1 / (1 + DeadOdds(c));

    /// <summary>
    /// The chance of no purchase in the <paramref name="days"/> after the cut. A customer drops out only right after
    /// a purchase, so one alive at the cut who buys nothing stays alive, and their rate given alive is
    /// gamma(r + x, alpha + T): P = 1 - P(alive) (1 - ((alpha + T) / (alpha + T + t))^(r + x)).
    /// </summary>
    public double ProbabilityNoPurchase(RepeatBuying c, double days) =>
        1 - ProbabilityAlive(c) * (1 - Math.Pow((Alpha + c.AgeDays) / (Alpha + c.AgeDays + days), R + c.Repeats));

    /// <summary>Expected purchases in the <paramref name="days"/> after the cut (equation 10 of the paper).</summary>
    public double ExpectedPurchases(RepeatBuying c, double days)
    {
        var x = c.Repeats;
        var z = days / (Alpha + c.AgeDays + days);
        var bracket = 1 - Math.Pow((Alpha + c.AgeDays) / (Alpha + c.AgeDays + days), R + x) * Hypergeometric(R + x, B + x, A + B + x - 1, z);
        return (A + B + x - 1) / (A - 1) * bracket * ProbabilityAlive(c);
    }

    /// <summary>Gauss's hypergeometric function 2F1(a, b; c; z) by its series, for 0 &lt;= z &lt; 1.</summary>
    internal static double Hypergeometric(double a, double b, double c, double z)
    {
        double sum = 1, term = 1;
        for (var n = 0; n < 100_000; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            if (Math.Abs(term) < 1e-15 * Math.Abs(sum))
                return sum;
        }
        throw new ArithmeticException(FormattableString.Invariant($"2F1({a}, {b}; {c}; {z}) did not converge."));
    }
}
