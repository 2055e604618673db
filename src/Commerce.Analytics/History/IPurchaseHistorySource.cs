namespace Commerce.Analytics.History;

/// <summary>Purchases (sales, and returns as negative lines) between two moments.</summary>
public interface IPurchaseHistorySource
{
    Task<PurchaseHistory> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
