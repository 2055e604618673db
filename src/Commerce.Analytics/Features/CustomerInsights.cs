using Commerce.Analytics.Lake;
using Commerce.Catalog.Customers;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Analytics.Features;

/// <summary>A customer's features (with segment, lifecycle stage and tier) as last computed.</summary>
public sealed record CustomerInsights(CustomerFeatures Features, DateTimeOffset ComputedAt);

/// <summary>What a recomputation of every customer did.</summary>
public sealed record InsightsRun(DateTime AsOf, int Customers, int TiersChanged, FeatureSet Features);

/// <summary>
/// Customer insights for serving: computed for everyone from the lake (nightly, or on demand as of a date),
/// kept one document per customer with the population context they were scored against, and refreshed for
/// single customers when their orders reach the lake. The membership tier is written to the customer, where
/// pricing's members' promotions read it; each full run also leaves a snapshot of the accounts in the lake. A stored
/// customer whose segment or stage changes gets an event for it (<see cref="CustomerEvents"/>), recorded before the
/// new insights are stored, so a crash in between records nothing twice and loses nothing.
/// </summary>
public sealed class CustomerInsightsService(
    IDocumentStore documents,
    EventOutbox outbox,
    Lake.Lake lake,
    LakeWriter writer,
    CustomerService customers,
    CustomerFeatureBuilder builder,
    TimeProvider time,
    ILogger<CustomerInsightsService> logger)
{
    public const string Container = "customer-insights";
    private const string ContextPartition = "population";

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    public async Task<CustomerInsights?> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(customerId)
            ? (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<CustomerInsights>(customerId, "latest", cancellationToken).ConfigureAwait(false))?.Value
            : null;

    /// <summary>Features of every customer as of <paramref name="asOf"/>, stored for serving with their context; tiers written to customers.</summary>
    public async Task<InsightsRun> RecomputeAllAsync(DateTime asOf, CancellationToken cancellationToken = default)
    {
        FeatureSet set;
        var profiles = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        await using (var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var history = LakeHistory.LoadPurchases(session, builder.Settings.Currency);
            var behaviour = LakeHistory.LoadBehaviour(session, asOf - CustomerFeatureBuilder.BehaviourWindow, asOf);
            set = builder.Build(history, behaviour, profiles.ToDictionary(p => p.Key, p => CustomerProfile.From(p.Value), StringComparer.Ordinal), asOf);
        }
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync(ContextPartition, "latest", set.Context, cancellationToken).ConfigureAwait(false);
        var tiersChanged = await StoreAsync(set.Customers, cancellationToken).ConfigureAwait(false);
        // Read again for the snapshot, which should show the tiers just written.
        var accounts = await ProfilesAsync(cancellationToken).ConfigureAwait(false);
        await writer.WriteAsync(new LakeBatch([], [], [], [.. accounts.Values], time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Computed insights of {Customers} customers as of {AsOf:yyyy-MM-dd}; {Tiers} membership tiers changed", set.Customers.Count, asOf, tiersChanged);
        return new InsightsRun(asOf, set.Customers.Count, tiersChanged, set);
    }

    /// <summary>
    /// Recomputes some customers now, scored against the context of the last full run (so a customer refreshed
    /// alone gets what the population run would give); does nothing before the first full run.
    /// </summary>
    public async Task<int> RefreshAsync(IReadOnlyCollection<string> customerIds, CancellationToken cancellationToken = default)
    {
        if (customerIds.Count == 0)
            return 0;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        if ((await container.ReadAsync<PopulationContext>(ContextPartition, "latest", cancellationToken).ConfigureAwait(false))?.Value is not { } context)
            return 0;
        var asOf = time.GetUtcNow().UtcDateTime;
        var refreshed = new List<CustomerFeatures>();
        await using (var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            var lines = LakeHistory.LoadPurchases(session, builder.Settings.Currency, customerIds).Lines.ToLookup(p => p.CustomerId, StringComparer.Ordinal);
            var behaviour = LakeHistory.LoadBehaviour(session, asOf - CustomerFeatureBuilder.BehaviourWindow, asOf, customerIds).ToLookup(e => e.CustomerId!, StringComparer.Ordinal);
            foreach (var id in customerIds)
            {
                var profile = (await customers.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Customer is { } customer ? CustomerProfile.From(customer) : null;
                if (builder.BuildOne(id, lines[id], behaviour[id], profile, context, asOf) is { } features)
                    refreshed.Add(features);
            }
        }
        await StoreAsync(refreshed, cancellationToken).ConfigureAwait(false);
        return refreshed.Count;
    }

    private async Task<int> StoreAsync(IReadOnlyList<CustomerFeatures> features, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var computedAt = time.GetUtcNow();
        var tiersChanged = 0;
        await Parallel.ForEachAsync(features, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (f, token) =>
        {
            if ((await container.ReadAsync<CustomerInsights>(f.CustomerId, "latest", token).ConfigureAwait(false))?.Value is { } before
                && CustomerEvents.Changes(before, f, computedAt) is { Count: > 0 } changes)
                await outbox.RecordAsync(CustomerEvents.Subject(f.CustomerId), changes, token).ConfigureAwait(false);
            await container.UpsertAsync(f.CustomerId, "latest", new CustomerInsights(f, computedAt), token).ConfigureAwait(false);
            if (await customers.SetMembershipTierAsync(f.CustomerId, f.Tier, token).ConfigureAwait(false))
                Interlocked.Increment(ref tiersChanged);
        }).ConfigureAwait(false);
        return tiersChanged;
    }

    private async Task<Dictionary<string, Customer>> ProfilesAsync(CancellationToken cancellationToken)
    {
        var all = new Dictionary<string, Customer>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var (page, next) = await customers.ListAsync(null, null, DocumentQuery.MaxPageSize, token, cancellationToken).ConfigureAwait(false);
            foreach (var customer in page)
                all[customer.Id] = customer;
            token = next;
        }
        while (token is not null);
        return all;
    }
}

/// <summary>Segment sizes, value and movement between two dates, computed from the lake when asked.</summary>
public sealed class SegmentAnalysis(Lake.Lake lake, CustomerFeatureBuilder builder)
{
    public async Task<SegmentReport> CompareAsync(DateTime from, DateTime to, CancellationToken cancellationToken = default)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        var history = LakeHistory.LoadPurchases(session, builder.Settings.Currency);
        var none = new Dictionary<string, CustomerProfile>();
        return SegmentReport.Of(builder.Build(history, [], none, from), builder.Build(history, [], none, to), builder.Settings.Currency);
    }
}
