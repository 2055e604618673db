using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Events.Behaviour;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Audience;

/// <summary>What the shop knows of its customers at one moment: their order history from the order store, and their profiles.</summary>
public sealed record Population(PurchaseHistory History, IReadOnlyDictionary<string, CustomerProfile> Profiles);

/// <param name="behaviour">where customers' behaviour events are read; none are when absent (a shop that does not track behaviour).</param>
public sealed class CustomerPopulation(IPurchaseHistorySource history, CustomerService customers, CampaignSettings settings, IBehaviourHistorySource? behaviour = null)
{
    /// <summary>Where the order history read as of <paramref name="now"/> begins (Campaigns:HistoryDays before it).</summary>
    public DateTimeOffset HistoryFrom(DateTimeOffset now) => now.AddDays(-settings.HistoryDays);

    /// <summary>The behaviour events features as of <paramref name="cut"/> read: those of the window before it.</summary>
    public async Task<IReadOnlyList<BehaviourEvent>> BehaviourBeforeAsync(DateTime cut, CancellationToken cancellationToken = default) =>
        behaviour is null ? [] : await behaviour.LoadAsync(cut - CustomerFeatureBuilder.BehaviourWindow, cut, cancellationToken).ConfigureAwait(false);

    public async Task<Population> AsOfAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var purchases = await history.LoadAsync(HistoryFrom(now), now, cancellationToken).ConfigureAwait(false);
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
