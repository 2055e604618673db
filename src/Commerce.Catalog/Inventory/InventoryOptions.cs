namespace Commerce.Catalog.Inventory;

public sealed class InventoryOptions
{
    public const string LowStockThresholdSetting = "Inventory:LowStockThreshold";
    public const int DefaultLowStockThreshold = 5;

    /// <summary>Available units at or below which a SKU without a level of its own is low on stock.</summary>
    public int LowStockThreshold { get; init; } = DefaultLowStockThreshold;
}
