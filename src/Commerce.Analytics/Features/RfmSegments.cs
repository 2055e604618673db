namespace Commerce.Analytics.Features;

/// <summary>The usual named RFM segments.</summary>
public enum RfmSegment
{
    Champions,
    Loyal,
    PotentialLoyalist,
    New,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CannotLose,
    Hibernating,
    Lost,
}

/// <summary>
/// The segment of every recency and frequency score: the one table of the rules (the classic R x F map, with
/// its bottom-left corner split into Hibernating and Lost). Scores run 1 (worst) to 5 (best); a recency score
/// of 5 means among the most recent buyers.
/// </summary>
public static class RfmSegments
{
    private const RfmSegment C = RfmSegment.Champions, L = RfmSegment.Loyal, P = RfmSegment.PotentialLoyalist, N = RfmSegment.New,
        Pr = RfmSegment.Promising, Na = RfmSegment.NeedAttention, S = RfmSegment.AboutToSleep, Ar = RfmSegment.AtRisk,
        Cl = RfmSegment.CannotLose, H = RfmSegment.Hibernating, Lo = RfmSegment.Lost;

    /// <summary>Rows are recency scores 5 down to 1; columns are frequency scores 1 to 5.</summary>
    public static readonly RfmSegment[,] Table =
    {
        /* R=5 */ { N, P, P, C, C },
        /* R=4 */ { Pr, P, P, L, L },
        /* R=3 */ { S, S, Na, L, L },
        /* R=2 */ { H, H, Ar, Ar, Cl },
        /* R=1 */ { Lo, Lo, Ar, Ar, Cl },
    };

    public static RfmSegment Of(int recencyScore, int frequencyScore) => Table[5 - recencyScore, frequencyScore - 1];

    /// <summary>"PotentialLoyalist" as "Potential loyalist".</summary>
    public static string DisplayName(RfmSegment segment)
    {
        var name = segment.ToString();
        var words = string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));
        return words;
    }
}

/// <summary>
/// Quintile cut points of a population as of a date: the 20th, 40th, 60th and 80th percentiles (nearest rank)
/// of recency, frequency and net spend. A value's score is 1 plus the cut points it beats, so ties share a
/// score and a customer scored alone later (serving) gets the score the population run would give.
/// </summary>
public sealed record RfmScale(IReadOnlyList<int> RecencyCuts, IReadOnlyList<int> FrequencyCuts, IReadOnlyList<decimal> MonetaryCuts)
{
    public static RfmScale Of(IReadOnlyCollection<int> recency, IReadOnlyCollection<int> frequency, IReadOnlyCollection<decimal> monetary) =>
        new(Cuts(recency), Cuts(frequency), Cuts(monetary));

    /// <summary>Fewer days since the last order is better.</summary>
    public int RecencyScore(int days) => 1 + RecencyCuts.Count(c => days < c);

    public int FrequencyScore(int orders) => 1 + FrequencyCuts.Count(c => orders > c);

    public int MonetaryScore(decimal spend) => 1 + MonetaryCuts.Count(c => spend > c);

    private static T[] Cuts<T>(IReadOnlyCollection<T> values) where T : IComparable<T>
    {
        if (values.Count == 0)
            return [];
        var sorted = values.Order().ToArray();
        return [.. new[] { 1, 2, 3, 4 }.Select(k => sorted[(int)Math.Ceiling(k / 5.0 * sorted.Length) - 1])];
    }
}
