using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Audience;

/// <summary>What the shop knows of its customers at one moment: their order history from the order store, and their profiles.</summary>
public sealed record Population(PurchaseHistory History, IReadOnlyDictionary<string, CustomerProfile> Profiles);

public sealed class CustomerPopulation(IPurchaseHistorySource history, CustomerService customers, CampaignSettings settings)
{
    public async Task<Population> AsOfAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
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
        return new Population(purchases, profiles);
    }
}
