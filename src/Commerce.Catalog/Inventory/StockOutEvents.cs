using Commerce.Events.Outbox;

namespace Commerce.Catalog.Inventory;

/// <summary>A reservation refused for want of stock, as a system event about the SKU; one per order and SKU however often the step runs.</summary>
public static class StockOutEvents
{
    public static string Subject(string sku) => "sku:" + sku;

    public static SystemEvent Of(string sku, string orderId, int wanted, DateTimeOffset at) => new()
    {
        Id = $"{Subject(sku)}:stock-out:{orderId}",
        Type = SystemEventTypes.StockOut,
        Subject = Subject(sku),
        Time = at,
        Sku = sku,
        OrderId = orderId,
        Quantity = wanted,
    };
}
