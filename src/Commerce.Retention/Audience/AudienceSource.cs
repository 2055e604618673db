using Commerce.Analytics.Features;
using Commerce.Retention.Risk;

namespace Commerce.Retention.Audience;

/// <summary>Every customer who has ordered, as the intervention rules see them at one moment: features from the order store, risk from the last scoring.</summary>
public sealed class AudienceSource(CustomerPopulation population, CustomerFeatureBuilder builder, ChurnRiskStore risks)
{
    public async Task<IReadOnlyList<CustomerSnapshot>> AsOfAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var (history, profiles) = await population.AsOfAsync(now, cancellationToken).ConfigureAwait(false);
        var features = builder.Build(history, [], profiles, now.UtcDateTime).Customers;
        var snapshots = new CustomerSnapshot[features.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, features.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            snapshots[i] = CustomerSnapshot.From(features[i], (await risks.GetAsync(features[i].CustomerId, ct).ConfigureAwait(false))?.Band)).ConfigureAwait(false);
        return snapshots;
    }
}
