namespace Commerce.Intelligence.Churn;

/// <summary>How well churn probabilities rank and fit what happened. Higher is better except <see cref="Brier"/>.</summary>
/// <param name="Auc">area under the ROC curve: the chance a churner is ranked above a customer who stayed (ties count half).</param>
/// <param name="PrAuc">area under the precision-recall curve, as average precision (precision at each churner, averaged).</param>
/// <param name="Brier">mean squared difference between the probability and the outcome (0 or 1).</param>
/// <param name="TopDecileLift">the churn rate of the tenth ranked riskiest over the overall churn rate.</param>
public sealed record ChurnQuality(int Customers, int Churned, double Auc, double PrAuc, double Brier, double TopDecileLift);

public static class ChurnEvaluation
{
    public const string Auc = "auc";
    public const string PrAuc = "pr_auc";

    /// <summary>Stored as 1 - Brier, so that higher is better for every metric the registry compares.</summary>
    public const string BrierSkill = "one_minus_brier";
    public const string TopDecileLift = "top_decile_lift";

    /// <exception cref="ArgumentException">the lists differ in length, or hold only churners or only stayers.</exception>
    public static ChurnQuality Evaluate(IReadOnlyList<double> probabilities, IReadOnlyList<bool> churned)
    {
        if (probabilities.Count != churned.Count)
            throw new ArgumentException($"{probabilities.Count} probabilities for {churned.Count} outcomes.", nameof(probabilities));
        var positives = churned.Count(c => c);
        var negatives = churned.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException("Evaluation needs both customers who churned and customers who stayed.", nameof(churned));

        // Riskiest first; equal probabilities form one group so that ties never depend on input order.
        var order = Enumerable.Range(0, churned.Count).OrderByDescending(i => probabilities[i]).ToArray();
        double concordant = 0, precisionSum = 0;
        var (positivesAbove, negativesAbove) = (0, 0);
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end < order.Length && probabilities[order[end]] == probabilities[order[start]])
                end++;
            var groupPositives = 0;
            for (var k = start; k < end; k++)
                groupPositives += churned[order[k]] ? 1 : 0;
            var groupNegatives = end - start - groupPositives;
            concordant += groupPositives * (negatives - negativesAbove - groupNegatives + groupNegatives / 2.0);
            positivesAbove += groupPositives;
            negativesAbove += groupNegatives;
            precisionSum += groupPositives * (double)positivesAbove / end;
            start = end;
        }

        var top = (int)Math.Ceiling(churned.Count / 10.0);
        var topRate = order.Take(top).Count(i => churned[i]) / (double)top;
        return new ChurnQuality(
            churned.Count,
            positives,
            Auc: concordant / ((double)positives * negatives),
            PrAuc: precisionSum / positives,
            Brier: probabilities.Select((p, i) => (p - (churned[i] ? 1 : 0)) * (p - (churned[i] ? 1 : 0))).Average(),
            TopDecileLift: topRate / (positives / (double)churned.Count));
    }

    public static IReadOnlyDictionary<string, double> Metrics(ChurnQuality quality) => new Dictionary<string, double>(StringComparer.Ordinal)
    {
        [Auc] = quality.Auc,
        [PrAuc] = quality.PrAuc,
        [BrierSkill] = 1 - quality.Brier,
        [TopDecileLift] = quality.TopDecileLift,
    };
}
