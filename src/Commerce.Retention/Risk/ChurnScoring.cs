using Commerce.Analytics.Features;
using Commerce.Intelligence.Churn;
using Commerce.Retention.Audience;
using Microsoft.Extensions.Logging;

namespace Commerce.Retention.Risk;

/// <summary>
/// Scores every active customer (an order within <see cref="ActiveDays"/>) with one churn model version as of now,
/// and stores each one's probability, band and reasons where insights, segments and campaigns read them.
/// </summary>
public sealed class ChurnScoring(CustomerPopulation population, CustomerFeatureBuilder builder, ChurnOptions options, RiskBands bands, ChurnRiskStore risks, TimeProvider time, ILogger<ChurnScoring> logger)
{
    public const int ActiveDays = 365;

    public async Task<IReadOnlyList<ChurnRisk>> ScoreAllAsync(ChurnModel model, string version, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (history, profiles) = await population.AsOfAsync(now, cancellationToken).ConfigureAwait(false);
        var behaviour = await population.BehaviourBeforeAsync(now.UtcDateTime, cancellationToken).ConfigureAwait(false);
        var active = ChurnExamples.Inputs(builder, history, behaviour, profiles, now.UtcDateTime, options.HorizonDays)
            .Where(i => i.Features.RecencyDays <= ActiveDays)
            .ToList();
        var scored = model.Score(active, options.Reasons)
            .Select((s, i) => new ChurnRisk(s.CustomerId, Math.Round(s.Probability, 4), bands.Of(s.Probability), s.Reasons, version, now)
            {
                Segment = active[i].Features.Segment,
                Stage = active[i].Features.Stage,
            })
            .ToList();
        await risks.PutAllAsync(scored, RiskSummary.Of(version, now, scored), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Scored {Customers} active customers with churn model {Version}: {High} high, {Medium} medium risk", scored.Count, version,
            scored.Count(r => r.Band == RiskBand.High), scored.Count(r => r.Band == RiskBand.Medium));
        return scored;
    }
}
