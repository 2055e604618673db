namespace Commerce.Analytics.Lake;

/// <summary>
/// A table of the lake: Parquet files under `{Name}/date=YYYY-MM-DD/`, the date being the UTC day of
/// <see cref="TimeColumn"/>. <see cref="Key"/> are the columns that identify a row (nulls equal to nulls): the
/// lake never holds two rows with the same key, which is what makes writing a batch again harmless.
/// </summary>
public sealed record LakeTable(string Name, IReadOnlyList<(string Name, string Type)> Columns, string TimeColumn, IReadOnlyList<string> Key)
{
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    public string Definition => string.Join(", ", Columns.Select(c => $"{c.Name} {c.Type}"));

    public string KeyList => string.Join(", ", Key);

    /// <summary>The join condition "same key" between two aliases of the table.</summary>
    public string SameKey(string left, string right) => string.Join(" AND ", Key.Select(k => $"{left}.{k} IS NOT DISTINCT FROM {right}.{k}"));
}

/// <summary>The lake's tables and their columns, the one definition writers and readers share.</summary>
public static class LakeTables
{
    private const string Money = "DECIMAL(18,4)";

    public static readonly LakeTable Events = new("events",
    [
        ("event_id", "VARCHAR"), ("type", "VARCHAR"), ("source", "VARCHAR"), ("event_time", "TIMESTAMP"), ("received_at", "TIMESTAMP"),
        ("client_time", "TIMESTAMP"), ("clock_skewed", "BOOLEAN"), ("customer_id", "VARCHAR"), ("device_id", "VARCHAR"),
        ("subject", "VARCHAR"), ("sequence", "BIGINT"), ("sku", "VARCHAR"), ("query", "VARCHAR"), ("slot", "VARCHAR"), ("position", "INTEGER"),
        ("experiment", "VARCHAR"), ("variant", "VARCHAR"), ("order_id", "VARCHAR"), ("amount", Money), ("currency", "VARCHAR"),
        ("quantity", "INTEGER"), ("channel", "VARCHAR"), ("operation", "VARCHAR"), ("outcome", "VARCHAR"), ("decline_code", "VARCHAR"),
        ("duration_ms", "DOUBLE"), ("reason", "VARCHAR"),
    ],
        TimeColumn: "event_time",
        // A client's ids are its own: unique per customer or device. The system's are unique as they are.
        Key: ["source", "customer_id", "device_id", "event_id"]);

    public static readonly LakeTable Orders = new("orders",
    [
        ("order_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("status", "VARCHAR"), ("cancellation_reason", "VARCHAR"), ("currency", "VARCHAR"),
        ("total", Money), ("items", "INTEGER"), ("lines", "INTEGER"), ("returned_amount", Money), ("payment_method", "VARCHAR"), ("coupon", "VARCHAR"),
        ("country", "VARCHAR"), ("placed_at", "TIMESTAMP"), ("paid_at", "TIMESTAMP"), ("completed_at", "TIMESTAMP"), ("cancelled_at", "TIMESTAMP"),
        ("processing_ms", "DOUBLE"),
    ],
        TimeColumn: "placed_at",
        Key: ["order_id"]);

    /// <summary>Lines of completed orders: sales, and returns as negative quantities at the time they came back.</summary>
    public static readonly LakeTable OrderLines = new("order_lines",
    [
        ("order_id", "VARCHAR"), ("line_id", "VARCHAR"), ("kind", "VARCHAR"), ("return_id", "VARCHAR"), ("customer_id", "VARCHAR"),
        ("sku", "VARCHAR"), ("name", "VARCHAR"), ("category", "VARCHAR"), ("quantity", "INTEGER"), ("unit_price", Money), ("amount", Money),
        ("list_unit_price", Money), ("discounted", "BOOLEAN"), ("currency", "VARCHAR"), ("country", "VARCHAR"), ("booked_at", "TIMESTAMP"),
    ],
        TimeColumn: "booked_at",
        Key: ["order_id", "line_id"]);

    /// <summary>Customer accounts as they were on the day of the snapshot.</summary>
    public static readonly LakeTable Customers = new("customers",
    [
        ("customer_id", "VARCHAR"), ("kind", "VARCHAR"), ("country", "VARCHAR"), ("company_name", "VARCHAR"), ("industry", "VARCHAR"),
        ("company_size", "VARCHAR"), ("membership_tier", "VARCHAR"), ("created_at", "TIMESTAMP"), ("snapshot_at", "TIMESTAMP"),
    ],
        TimeColumn: "snapshot_at",
        Key: ["customer_id", "snapshot_at"]);

    public static readonly IReadOnlyList<LakeTable> All = [Events, Orders, OrderLines, Customers];
}
