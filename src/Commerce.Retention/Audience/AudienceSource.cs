using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Retention.Risk;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Audience;

/// <summary>Every customer who has ordered, as the intervention rules see them at one moment: features from the order store, risk from the last scoring.</summary>
public sealed class AudienceSource(OrderStoreHistory history, CustomerService customers, CustomerFeatureBuilder builder, ChurnRiskStore risks, CampaignSettings settings)
{
    public async Task<IReadOnlyList<CustomerSnapshot>> AsOfAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var purchases = await history.LoadAsync(now.AddDays(-settings.HistoryDays), now, cancellationToken).ConfigureAwait(false);
        var profiles = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var (page, next) = await customers.ListAsync(null, null, DocumentQuery.MaxPageSize, token, cancellationToken).ConfigureAwait(false);
            foreach (var customer in page)
                profiles[customer.Id] = CustomerProfile.From(customer);
            token = next;
        }
        while (token is not null);
        var features = builder.Build(purchases, [], profiles, now.UtcDateTime).Customers;
        var snapshots = new CustomerSnapshot[features.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, features.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            snapshots[i] = CustomerSnapshot.From(features[i], (await risks.GetAsync(features[i].CustomerId, ct).ConfigureAwait(false))?.Band)).ConfigureAwait(false);
        return snapshots;
    }
}
