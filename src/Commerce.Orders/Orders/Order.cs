namespace Commerce.Orders.Orders;

/// <summary>Where an order is in its life; the names are part of the API.</summary>
public enum OrderStatus
{
    Placed,
    AwaitingPayment,
    Paid,
    Fulfilling,
    Shipped,
    Completed,
    Cancelled,
}

/// <summary>Why an order was cancelled; the values are part of the API.</summary>
public static class CancellationReasons
{
    public const string OutOfStock = "out_of_stock";
    public const string PaymentDeclined = "payment_declined";
    public const string PaymentTimeout = "payment_timeout";
    public const string RiskDenied = "risk_denied";
    public const string CustomerCancelled = "customer_cancelled";
    public const string ShopCancelled = "shop_cancelled";
    public const string InvalidOrder = "invalid_order";
}

public sealed record OrderLine(string Sku, string Name, int Quantity, decimal UnitPrice, decimal LineTotal)
{
    /// <summary>The list price before price lists, tiers and promotions; unknown for imported history.</summary>
    public decimal? ListUnitPrice { get; init; }

    /// <summary>Bought below the list price: under a promotion, a price list or a quantity tier.</summary>
    public bool Discounted => UnitPrice < ListUnitPrice;
}

/// <summary>Goods that came back after the order completed (line <paramref name="Line"/> of return document <paramref name="ReturnId"/>), and the amount paid back for them.</summary>
public sealed record OrderReturn(string ReturnId, int Line, DateTimeOffset At, string Sku, string Name, int Quantity, decimal UnitPrice, decimal Amount)
{
    /// <summary>Unique within the order.</summary>
    public string Key => $"{ReturnId}-{Line}";
}

public sealed record ShippingAddress(string? Name, string? Line1, string? Line2, string? City, string? PostalCode, string? Country);

/// <summary>One step of the order's life, with when it happened.</summary>
public sealed record TimelineEntry(DateTimeOffset At, string Step, string? Detail = null);

/// <summary>A payment attempt as the order shows it; <paramref name="Id"/> keeps a repeated activity from listing it twice.</summary>
public sealed record OrderPayment(string Id, DateTimeOffset At, string Channel, string Operation, string Outcome, string? DeclineCode, decimal Amount, double LatencyMs, string? AuthorizationId);

public sealed record Shipment(string Id, DateTimeOffset CreatedAt, DateTimeOffset? ShippedAt = null, DateTimeOffset? DeliveredAt = null);

public sealed record Invoice(string Id, decimal Amount, string Currency, DateTimeOffset IssuedAt, DateTimeOffset DueAt);

public sealed record Order
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public required OrderStatus Status { get; init; }
    public string? CancellationReason { get; init; }
    public required string Currency { get; init; }
    public required IReadOnlyList<OrderLine> Lines { get; init; }
    public required decimal Total { get; init; }
    public required string PaymentMethod { get; init; }
    public string? Coupon { get; init; }
    public ShippingAddress? ShippingAddress { get; init; }
    public required DateTimeOffset PlacedAt { get; init; }
    public DateTimeOffset? PaidAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public DateTimeOffset? CancelledAt { get; init; }

    /// <summary>Placed to completed, for the order-processing-time KPI.</summary>
    public TimeSpan? ProcessingTime => CompletedAt - PlacedAt;

    public IReadOnlyList<TimelineEntry> Timeline { get; init; } = [];
    public IReadOnlyList<OrderPayment> Payments { get; init; } = [];
    public Shipment? Shipment { get; init; }
    public Invoice? Invoice { get; init; }
    public IReadOnlyList<OrderReturn> Returns { get; init; } = [];

    public bool IsFinished => Status is OrderStatus.Completed or OrderStatus.Cancelled;

    public const string ShippedStep = "shipped";
    public const string DeliveredStep = "delivered";

    /// <summary>True until the order has shipped: the customer may still cancel it.</summary>
    public bool Cancellable => Status is OrderStatus.Placed or OrderStatus.AwaitingPayment or OrderStatus.Paid or OrderStatus.Fulfilling;

    /// <summary>Adds payment attempts not listed yet.</summary>
    public Order WithPayments(IEnumerable<OrderPayment> attempts)
    {
        var fresh = attempts.Where(a => Payments.All(p => p.Id != a.Id)).ToList();
        return fresh.Count == 0 ? this : this with { Payments = [.. Payments, .. fresh] };
    }

    /// <summary>
    /// Records a step of the order's life. Each step is recorded once: recording it again returns this same
    /// order, which makes the activity that records it safe to repeat.
    /// </summary>
    public Order WithStep(string step, DateTimeOffset at, OrderStatus? status = null, string? detail = null, string? cancellationReason = null)
    {
        if (Timeline.Any(t => t.Step == step))
            return this;
        var next = status ?? Status;
        return this with
        {
            Status = next,
            CancellationReason = cancellationReason ?? CancellationReason,
            Timeline = [.. Timeline, new TimelineEntry(at, step, detail)],
            PaidAt = next == OrderStatus.Paid && PaidAt is null ? at : PaidAt,
            CompletedAt = next == OrderStatus.Completed && CompletedAt is null ? at : CompletedAt,
            CancelledAt = next == OrderStatus.Cancelled && CancelledAt is null ? at : CancelledAt,
            Shipment = (step, Shipment) switch
            {
                (ShippedStep, { ShippedAt: null } shipment) => shipment with { ShippedAt = at },
                (DeliveredStep, { DeliveredAt: null } shipment) => shipment with { DeliveredAt = at },
                _ => Shipment,
            },
        };
    }
}
