using MathNet.Numerics.Distributions;

namespace Commerce.Experiments.Bandits;

/// <summary>An arm's record: how often it was tried and how often it paid.</summary>
public sealed record ArmRecord(long Trials, long Successes);

/// <summary>
/// Thompson sampling over arms with a success rate: each arm's rate has a Beta(1 + successes, 1 + failures)
/// posterior (a uniform prior); one draw from each, and the highest draw is played. An arm is played as often
/// as it is likely to be the best, so exploration fades by itself as the evidence grows.
/// </summary>
public static class ThompsonSampling
{
    public static string Choose(IReadOnlyList<string> arms, Func<string, ArmRecord> record, Random random)
    {
        var best = arms[0];
        var bestDraw = double.MinValue;
        foreach (var arm in arms)
        {
            var r = record(arm);
            var successes = Math.Clamp(r.Successes, 0, r.Trials);
            var draw = Beta.Sample(random, 1 + successes, 1 + r.Trials - successes);
            if (draw > bestDraw)
            {
                best = arm;
                bestDraw = draw;
            }
        }
        return best;
    }
}
