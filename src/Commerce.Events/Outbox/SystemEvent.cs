namespace Commerce.Events.Outbox;

/// <summary>What the system records about itself; the names are part of the lake (and of the relay's CloudEvents types).</summary>
public static class SystemEventTypes
{
    public const string OrderPlaced = "order_placed";
    public const string OrderPaid = "order_paid";
    public const string OrderCancelled = "order_cancelled";
    public const string OrderCompleted = "order_completed";
    public const string OrderRefunded = "order_refunded";
    public const string PaymentAttempted = "payment_attempted";
    public const string StockOut = "stock_out";
    public const string ExperimentExposed = "experiment_exposed";
    public const string StockLow = "stock_low";
    public const string CustomerSegmentChanged = "customer_segment_changed";
    public const string CustomerStageChanged = "customer_stage_changed";
    public const string ModelPromoted = "model_promoted";
    public const string NotificationOpened = "notification_opened";

    /// <summary>
    /// The types that leave the system as integration events and webhooks. An exposure (which variant a customer saw) and a
    /// notification opened are for the shop's own experiment and campaign analysis only; they have subjects of their own,
    /// so a subject's relayed sequence has no gaps.
    /// </summary>
    public static IReadOnlySet<string> Published { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        OrderPlaced, OrderPaid, OrderCancelled, OrderCompleted, OrderRefunded, PaymentAttempted,
        StockOut, StockLow, CustomerSegmentChanged, CustomerStageChanged, ModelPromoted,
    };
}

/// <summary>
/// A fact the system recorded where it was made: an outbox record. <see cref="Id"/> is derived from what it
/// records (a retried step derives the same id, so it is recorded once); <see cref="Subject"/> is what it is
/// about ("order:{id}", "sku:{sku}"); <see cref="Sequence"/> numbers the subject's records 1, 2, 3... without
/// gaps, in the order they were recorded. The same record feeds the lake and the relay to queues and webhooks.
/// </summary>
public sealed record SystemEvent
{
    public required string Id { get; init; }
    public required string Type { get; init; }
    public required string Subject { get; init; }
    public long Sequence { get; init; }
    public required DateTimeOffset Time { get; init; }

    public string? CustomerId { get; init; }
    public string? OrderId { get; init; }
    public decimal? Amount { get; init; }
    public string? Currency { get; init; }
    public int? Quantity { get; init; }
    public string? Sku { get; init; }

    /// <summary>Payment attempts: the channel, the operation (authorize, capture, void, refund) and its outcome.</summary>
    public string? Channel { get; init; }
    public string? Operation { get; init; }
    public string? Outcome { get; init; }
    public string? DeclineCode { get; init; }

    /// <summary>A payment call's latency; an order's placed-to-completed time.</summary>
    public double? DurationMs { get; init; }

    /// <summary>Why an order was cancelled or money went back.</summary>
    public string? Reason { get; init; }

    /// <summary>An exposure: the experiment and the variant the customer was given.</summary>
    public string? Experiment { get; init; }
    public string? Variant { get; init; }

    /// <summary>A notification opened: which message, and the campaign and offer code it carried, if any.</summary>
    public string? NotificationId { get; init; }
    public string? CampaignId { get; init; }
    public string? OfferCode { get; init; }

    /// <summary>Stock low: the low-stock level the SKU's available units (<see cref="Quantity"/>) fell to.</summary>
    public int? Threshold { get; init; }

    /// <summary>
    /// A change of value: a customer's segment or lifecycle stage, a model kind's live version. <see cref="From"/>
    /// is the value before (none when there was none), <see cref="To"/> the value after.
    /// </summary>
    public string? From { get; init; }
    public string? To { get; init; }
}
