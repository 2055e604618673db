using Commerce.Analytics.History;
using Commerce.Events.Behaviour;

namespace Commerce.Analytics.Lake;

/// <summary>What features and models read from the lake: order lines as a <see cref="PurchaseHistory"/>, and behaviour events.</summary>
public static class LakeHistory
{
    /// <summary>
    /// Lines of completed orders in <paramref name="currency"/>: sales, and returns as negative lines under their
    /// return document (as <see cref="OnlineRetailHistory.Purchases"/> gives them), optionally of some customers only and
    /// booked in [<paramref name="from"/>, <paramref name="to"/>).
    /// </summary>
    public static PurchaseHistory LoadPurchases(LakeSession lake, string currency, IReadOnlyCollection<string>? customers = null, DateTime? from = null, DateTime? to = null)
    {
        var parameters = new List<object> { currency };
        string Parameter(object value)
        {
            parameters.Add(value);
            return "$" + parameters.Count;
        }
        var where = "currency = $1"
            + (customers is null ? "" : $" AND list_contains({Parameter(customers.ToArray())}, customer_id)")
            + (from is { } since ? $" AND booked_at >= {Parameter(since)}" : "")
            + (to is { } until ? $" AND booked_at < {Parameter(until)}" : "");
        using var command = lake.Command($"""
            SELECT customer_id, CASE WHEN kind = 'return' THEN return_id ELSE order_id END, sku, quantity, unit_price, booked_at,
                   coalesce(country, ''), name, category, coalesce(discounted, false), CASE WHEN kind = 'return' THEN order_id END
            FROM order_lines
            WHERE {where}
            """, [.. parameters]);
        using var reader = command.ExecuteReader();
        var lines = new List<Purchase>(capacity: 1 << 16);
        while (reader.Read())
        {
            lines.Add(new Purchase(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), Money(reader.GetDecimal(4)),
                DateTime.SpecifyKind(reader.GetDateTime(5), DateTimeKind.Utc), reader.GetString(6))
            {
                Name = reader.IsDBNull(7) ? null : reader.GetString(7),
                Category = reader.IsDBNull(8) ? null : reader.GetString(8),
                Discounted = reader.GetBoolean(9),
                ReturnOf = reader.IsDBNull(10) ? null : reader.GetString(10),
            });
        }
        return new PurchaseHistory(lines);
    }

    /// <summary>Behaviour events of signed-in customers between two times, optionally of some customers only.</summary>
    public static List<BehaviourEvent> LoadBehaviour(LakeSession lake, DateTime from, DateTime to, IReadOnlyCollection<string>? customers = null)
    {
        using var command = lake.Command($"""
            SELECT event_id, type, event_time, customer_id, device_id, received_at, sku, query, slot, position, experiment, variant
            FROM events
            WHERE source = 'client' AND customer_id IS NOT NULL AND event_time >= $1 AND event_time < $2
            {(customers is null ? "" : "AND list_contains($3, customer_id)")}
            """, customers is null ? [from, to] : [from, to, customers.ToArray()]);
        using var reader = command.ExecuteReader();
        var events = new List<BehaviourEvent>();
        while (reader.Read())
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            events.Add(new BehaviourEvent(reader.GetString(0), reader.GetString(1), Utc(reader.GetDateTime(2)), reader.GetString(3), Text(4))
            {
                ReceivedAt = Utc(reader.GetDateTime(5)),
                Sku = Text(6),
                Query = Text(7),
                Slot = Text(8),
                Position = reader.IsDBNull(9) ? null : reader.GetInt32(9),
                Experiment = Text(10),
                Variant = Text(11),
            });
        }
        return events;
    }

    /// <summary>DuckDB gives DECIMAL(18,4) values with four decimals; the shop's amounts keep their own scale (2.5, not 2.5000).</summary>
    private static decimal Money(decimal value) => value / 1.0000000000000000000000000000m;

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}
