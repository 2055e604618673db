using Commerce.Storage.Documents;

namespace Commerce.Catalog.Pricing;

/// <summary>
/// Price lists and promotions, each set in one partition, cached in memory for quoting and refreshed at
/// most every few seconds so that changes made on another instance arrive quickly.
/// </summary>
public sealed class PricingStore(IDocumentStore documents, TimeProvider time)
{
    public const string PriceListsContainer = "price-lists";
    public const string PromotionsContainer = "promotions";
    private const string Partition = "all";
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private volatile Cached? _cached;

    private sealed record Cached(IReadOnlyDictionary<string, (PriceList List, string ETag)> PriceLists, IReadOnlyList<Promotion> Promotions, long LoadedAt);

    public async Task<(PriceList List, string ETag)?> GetPriceListAsync(string id, CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).PriceLists.TryGetValue(id, out var found) ? found : null;

    public async Task<IReadOnlyList<PriceList>> PriceListsAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).PriceLists.Values.Select(v => v.List).OrderBy(l => l.Id, StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<Promotion>> PromotionsAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Promotions;

    /// <summary>Creates or replaces a price list; with <paramref name="ifMatch"/>, only over that version.</summary>
    /// <exception cref="DocumentPreconditionFailedException">it changed since <paramref name="ifMatch"/>.</exception>
    public async Task<(PriceList List, string ETag)> PutPriceListAsync(PriceList list, string? ifMatch, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(PriceListsContainer, cancellationToken).ConfigureAwait(false);
        var written = ifMatch is null
            ? await container.UpsertAsync(Partition, list.Id, list, cancellationToken).ConfigureAwait(false)
            : await container.ReplaceAsync(Partition, list.Id, list, ifMatch, cancellationToken).ConfigureAwait(false);
        _cached = null;
        return (list, written.ETag);
    }

    /// <exception cref="DocumentConflictException">a promotion with this id exists.</exception>
    public async Task<Promotion> CreatePromotionAsync(Promotion promotion, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false);
        await container.CreateAsync(Partition, promotion.Id, promotion, cancellationToken).ConfigureAwait(false);
        _cached = null;
        return promotion;
    }

    public async Task UpsertPromotionAsync(Promotion promotion, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync(Partition, promotion.Id, promotion, cancellationToken).ConfigureAwait(false);
        _cached = null;
    }

    /// <summary>Counts one use of a coupon by an order, once per order; false when it is unknown, expired or used up.</summary>
    public async Task<bool> RedeemCouponAsync(string code, string orderId, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false);
        var promotion = (await PromotionsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => string.Equals(p.Coupon, code, StringComparison.OrdinalIgnoreCase));
        if (promotion is null)
            return false;
        var redeemed = false;
        var counted = false;
        await container.ChangeAsync<Promotion>(Partition, promotion.Id, found =>
        {
            redeemed = found is not null && (found.RedeemedBy.Contains(orderId) || (found.HasUsesLeft && found.IsActive(time.GetUtcNow())));
            counted = redeemed && !found!.RedeemedBy.Contains(orderId);
            return counted ? found! with { TimesUsed = found.TimesUsed + 1, RedeemedBy = [.. found.RedeemedBy, orderId] } : null;
        }, cancellationToken).ConfigureAwait(false);
        if (counted)
            _cached = null;
        return redeemed;
    }

    private async ValueTask<Cached> CurrentAsync(CancellationToken cancellationToken)
    {
        var cached = _cached;
        if (cached is not null && time.GetElapsedTime(cached.LoadedAt) < CacheFor)
            return cached;
        var all = DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize };
        var lists = await (await documents.GetContainerAsync(PriceListsContainer, cancellationToken).ConfigureAwait(false)).QueryAllAsync(Partition, all, cancellationToken).ConfigureAwait(false);
        var promotions = await (await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false)).QueryAllAsync(Partition, all, cancellationToken).ConfigureAwait(false);
        cached = new Cached(
            lists.ToDictionary(d => d.Id, d => (d.Deserialize<PriceList>(), d.ETag), StringComparer.OrdinalIgnoreCase),
            promotions.Select(d => d.Deserialize<Promotion>()).ToList(),
            time.GetTimestamp());
        _cached = cached;
        return cached;
    }
}
