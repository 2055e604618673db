using Commerce.Analytics.History;

namespace Commerce.Analytics.Lake;

/// <summary>
/// The purchase history as the lake holds it: lines of completed orders in one currency, and returns on the day they
/// came back. Models train on this, the same Parquet files analytics and any bigger engine read.
/// </summary>
public sealed class LakePurchases(Lake lake, string currency) : IPurchaseHistorySource
{
    public async Task<PurchaseHistory> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        return LakeHistory.LoadPurchases(session, currency, from: from.UtcDateTime, to: to.UtcDateTime);
    }
}
