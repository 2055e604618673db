using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Events.Behaviour;

namespace Commerce.Intelligence.Churn;

/// <summary>A customer at a cut and whether they then placed no order within the horizon.</summary>
public sealed record ChurnExample(ChurnInput Input, bool Churned);

/// <summary>The churn model's rows: everyone who ordered before a cut, seen only through what happened before it.</summary>
public static class ChurnExamples
{
    /// <summary>The model's inputs for every customer with an order before <paramref name="asOf"/> (training cuts and scoring alike).</summary>
    public static IReadOnlyList<ChurnInput> Inputs(
        CustomerFeatureBuilder builder, PurchaseHistory history, IEnumerable<BehaviourEvent> events, IReadOnlyDictionary<string, CustomerProfile> profiles, DateTime asOf, int horizonDays)
    {
        var features = builder.Build(history, events, profiles, asOf);
        var signals = ChurnSignals.Of(history, asOf, horizonDays);
        return features.Customers.Select(f => new ChurnInput(f, signals[f.CustomerId], builder.Settings.TrendWindowDays)).ToList();
    }

    /// <summary>
    /// Labelled rows at <paramref name="cut"/>: churned when the customer placed no order in the <paramref name="horizonDays"/>
    /// after it. <paramref name="history"/> must reach that far; nothing after the cut enters an input.
    /// </summary>
    public static IReadOnlyList<ChurnExample> Labelled(
        CustomerFeatureBuilder builder, PurchaseHistory history, IEnumerable<BehaviourEvent> events, IReadOnlyDictionary<string, CustomerProfile> profiles, DateTime cut, int horizonDays)
    {
        var known = history.Before(cut);
        var buyers = history.Between(cut, cut.AddDays(horizonDays)).Sales.Select(p => p.CustomerId).ToHashSet(StringComparer.Ordinal);
        return Inputs(builder, known, events.Where(e => e.Time.UtcDateTime < cut), profiles, cut, horizonDays)
            .Select(i => new ChurnExample(i, !buyers.Contains(i.Features.CustomerId)))
            .ToList();
    }
}
