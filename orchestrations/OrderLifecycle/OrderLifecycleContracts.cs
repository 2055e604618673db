using Commerce.Orders.Orders;

namespace Commerce.Orchestrations.OrderLifecycle;

/// <summary>What the orchestration starts from: the order as checkout priced it.</summary>
public sealed record OrderLifecycleInput(
    string OrderId,
    string CustomerId,
    IReadOnlyList<OrderLine> Lines,
    decimal Total,
    string Currency,
    string PaymentMethod,
    DateTimeOffset PlacedAt,
    LifecycleTimings Timings,
    string? Coupon = null);

public sealed record OrderLifecycleResult(OrderStatus Status, string? CancellationReason);

/// <summary>How long the lifecycle waits, from settings; fixed for an instance when it starts so replays agree.</summary>
public sealed record LifecycleTimings(
    TimeSpan PaymentDeadline,
    TimeSpan ShipmentDeadline,
    TimeSpan DeliveryDeadline,
    bool AutoFulfilment,
    int PaymentAttempts,
    TimeSpan FirstPaymentRetry,
    double PaymentBackoff,
    TimeSpan MaxPaymentRetry,
    TimeSpan PaymentRetryTimeout,
    double PaymentJitter);

/// <summary>The provider's word on an asynchronous payment, raised to the instance by the webhook.</summary>
public sealed record PaymentNotice(string EventId, string? Reason);

/// <summary>A request to cancel the order, by its customer or by the shop (which cancels instead of terminating the lifecycle).</summary>
public sealed record CancelNotice(string By, bool ByShop)
{
    public string Reason => ByShop ? CancellationReasons.ShopCancelled : CancellationReasons.CustomerCancelled;
}

/// <summary>The coupon an order used.</summary>
public sealed record CouponUse(string OrderId, string Coupon);

public sealed record ReserveRequest(string OrderId, IReadOnlyList<OrderLine> Lines, DateTimeOffset ExpiresAt);

/// <summary>A soft decline or an unavailable channel: worth another attempt later.</summary>
public sealed class PaymentRetryableException(string message) : Exception(message);

/// <summary>A hard decline: another attempt cannot succeed.</summary>
public sealed class PaymentDeclinedException(string message) : Exception(message);

public sealed record ValidationOutcome(bool Valid, string? Problem);

public sealed record ReservationOutcome(bool Reserved, string? ShortSku);

public sealed record RiskOutcome(bool Approved, string? Reason);

/// <summary>An authorization that went through (or waits for the provider's confirmation).</summary>
/// <param name="Unanswered">an earlier authorize call of the order lost its answer and may have left an authorization behind.</param>
public sealed record PaymentAuthorization(string Channel, string AuthorizationId, bool Pending, Invoice? Invoice, bool Unanswered = false);

/// <summary>Which order's abandoned authorizations to void.</summary>
/// <param name="Keep">the authorization the order goes on with, if any.</param>
public sealed record AbandonedPayments(string OrderId, string? Keep);

/// <summary>One step of the order's life to record, with the status it moves the order to, if any.</summary>
public sealed record OrderStep(string Step, OrderStatus? Status = null, string? Detail = null, string? CancellationReason = null);

public sealed record OrderSteps(string OrderId, IReadOnlyList<OrderStep> Steps)
{
    public static Order Apply(Order order, IEnumerable<OrderStep> steps, DateTimeOffset at) =>
        steps.Aggregate(order, (current, step) => current.WithStep(step.Step, at, step.Status, step.Detail, step.CancellationReason));
}

/// <param name="Attempt">the orchestration's count of authorize attempts (1 first): with the order id, the key that makes a repeated run of one attempt ask the provider the same question.</param>
public sealed record PaymentRequest(string OrderId, string CustomerId, decimal Amount, string Currency, string PaymentMethod, int Attempt);

public sealed record PaymentReference(string OrderId, string Channel, string AuthorizationId, decimal Amount, string Currency);

/// <summary>The events the lifecycle waits for, by name.</summary>
public static class OrderEvents
{
    public const string PaymentConfirmed = "PaymentConfirmed";
    public const string PaymentFailed = "PaymentFailed";
    public const string Shipped = "Shipped";
    public const string Delivered = "Delivered";
    public const string CancelRequested = "CancelRequested";
}
