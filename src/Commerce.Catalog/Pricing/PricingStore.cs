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
    public const string RedemptionsContainer = "coupon-redemptions";
    private const string Partition = "all";
    private const string ReturnMarker = ":returned";
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

    /// <summary>
    /// Counts one use of a coupon by an order, once per order however often (and however concurrently) it is asked;
    /// false when the coupon is unknown, expired or used up. The use is a record of its own, written before the
    /// count changes and settled after, so a redemption cut short by a crash is finished by the retry.
    /// </summary>
    public async Task<bool> RedeemCouponAsync(string code, string orderId, CancellationToken cancellationToken = default)
    {
        if (await FindCouponAsync(code, cancellationToken).ConfigureAwait(false) is not { } promotion)
            return false;
        var use = await ChangeRedemptionAsync(promotion.Id, orderId,
            current => current ?? new CouponRedemption(promotion.Id, orderId, RedemptionState.Redeeming, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        if (use!.State == RedemptionState.Redeeming)
        {
            var now = time.GetUtcNow();
            var counted = await CountOnceAsync(promotion.Id, orderId, orderId, RedemptionState.Redeeming,
                found => found.HasUsesLeft && found.IsActive(now) ? found with { TimesUsed = found.TimesUsed + 1 } : null, cancellationToken).ConfigureAwait(false);
            use = await MoveAsync(promotion.Id, orderId, RedemptionState.Redeeming, counted ? RedemptionState.Redeemed : RedemptionState.Refused, cancellationToken).ConfigureAwait(false);
        }
        await ForgetMarkerAsync(promotion.Id, orderId, cancellationToken).ConfigureAwait(false);
        return use!.State == RedemptionState.Redeemed;
    }

    /// <summary>Gives back the use an order made of a coupon (the order was cancelled), once however often it is asked; false when it had none.</summary>
    public async Task<bool> ReturnCouponAsync(string code, string orderId, CancellationToken cancellationToken = default)
    {
        if (await FindCouponAsync(code, cancellationToken).ConfigureAwait(false) is not { } promotion)
            return false;
        var use = await MoveAsync(promotion.Id, orderId, RedemptionState.Redeemed, RedemptionState.Returning, cancellationToken).ConfigureAwait(false);
        if (use is not { State: RedemptionState.Returning or RedemptionState.Returned })
            return false;
        var marker = orderId + ReturnMarker;
        if (use.State == RedemptionState.Returning)
        {
            await CountOnceAsync(promotion.Id, orderId, marker, RedemptionState.Returning, found => found with { TimesUsed = Math.Max(0, found.TimesUsed - 1) }, cancellationToken).ConfigureAwait(false);
            await MoveAsync(promotion.Id, orderId, RedemptionState.Returning, RedemptionState.Returned, cancellationToken).ConfigureAwait(false);
        }
        await ForgetMarkerAsync(promotion.Id, marker, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<Promotion?> FindCouponAsync(string code, CancellationToken cancellationToken) =>
        (await PromotionsAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(p => string.Equals(p.Coupon, code, StringComparison.OrdinalIgnoreCase));

    private async Task<CouponRedemption?> ChangeRedemptionAsync(string promotionId, string orderId, Func<CouponRedemption?, CouponRedemption?> change, CancellationToken cancellationToken) =>
        await (await documents.GetContainerAsync(RedemptionsContainer, cancellationToken).ConfigureAwait(false)).ChangeAsync(promotionId, orderId, change, cancellationToken).ConfigureAwait(false);

    /// <summary>Moves a use from one state to the next; a use in any other state is left as it is (and answered).</summary>
    private Task<CouponRedemption?> MoveAsync(string promotionId, string orderId, RedemptionState from, RedemptionState to, CancellationToken cancellationToken) =>
        ChangeRedemptionAsync(promotionId, orderId, current => current?.State == from ? current with { State = to, UpdatedAt = time.GetUtcNow() } : current, cancellationToken);

    /// <summary>
    /// Changes the promotion's count as <paramref name="change"/> says (null: refused) while the use is still
    /// <paramref name="due"/>, leaving <paramref name="marker"/> so that the change is made once; the marker stays
    /// until <see cref="ForgetMarkerAsync"/>. The epoch is read before the use's record, so a copy of the step that
    /// saw the record before another copy settled it and dropped the marker finds the epoch moved, and reads again.
    /// </summary>
    /// <returns>whether the count carries this use's change.</returns>
    private async Task<bool> CountOnceAsync(string promotionId, string orderId, string marker, RedemptionState due, Func<Promotion, Promotion?> change, CancellationToken cancellationToken)
    {
        var promotions = await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false);
        var redemptions = await documents.GetContainerAsync(RedemptionsContainer, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if ((await promotions.ReadAsync<Promotion>(Partition, promotionId, cancellationToken).ConfigureAwait(false))?.Value.CountingEpoch is not { } epoch)
                return false;
            if ((await redemptions.ReadAsync<CouponRedemption>(promotionId, orderId, cancellationToken).ConfigureAwait(false))?.Value.State != due)
                return false;
            var (applied, moved) = (false, false);
            await promotions.ChangeAsync<Promotion>(Partition, promotionId, found =>
            {
                (applied, moved) = (found is not null && found.Counting.Contains(marker), found is not null && found.CountingEpoch != epoch);
                if (found is null || applied || moved)
                    return found;
                var changed = change(found);
                applied = changed is not null;
                return changed is null ? found : changed with { Counting = [.. found.Counting, marker] };
            }, cancellationToken).ConfigureAwait(false);
            _cached = null;
            if (!moved || applied)
                return applied;
        }
    }

    /// <summary>Removes a use's marker once its record says how it ended.</summary>
    private async Task ForgetMarkerAsync(string promotionId, string marker, CancellationToken cancellationToken) =>
        await (await documents.GetContainerAsync(PromotionsContainer, cancellationToken).ConfigureAwait(false)).ChangeAsync<Promotion>(Partition, promotionId, found =>
            found is not null && found.Counting.Contains(marker)
                ? found with { Counting = found.Counting.Where(m => m != marker).ToList(), CountingEpoch = found.CountingEpoch + 1 }
                : found,
            cancellationToken).ConfigureAwait(false);

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
