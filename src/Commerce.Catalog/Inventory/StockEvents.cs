using Commerce.Events.Outbox;

namespace Commerce.Catalog.Inventory;

/// <summary>What happens to a SKU's stock, as system events about the SKU; each id is derived so that a repeated step records it once.</summary>
public static class StockEvents
{
    public static string Subject(string sku) => "sku:" + sku;

    /// <summary>A reservation refused for want of stock; one per order and SKU.</summary>
    public static SystemEvent StockOut(string sku, string orderId, int wanted, DateTimeOffset at) => new()
    {
        Id = $"{Subject(sku)}:stock-out:{orderId}",
        Type = SystemEventTypes.StockOut,
        Subject = Subject(sku),
        Time = at,
        Sku = sku,
        OrderId = orderId,
        Quantity = wanted,
    };

    /// <summary>Available units falling to the low-stock level from above it; one per fall, numbered by the stock document.</summary>
    public static SystemEvent StockLow(string sku, LowStockCrossing crossing) => new()
    {
        Id = $"{Subject(sku)}:stock-low:{crossing.Number}",
        Type = SystemEventTypes.StockLow,
        Subject = Subject(sku),
        Time = crossing.At,
        Sku = sku,
        Quantity = crossing.Available,
        Threshold = crossing.Threshold,
    };
}
