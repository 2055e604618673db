namespace Commerce.Payments.Channels;

/// <summary>What a payment channel (a provider adapter) answers; business outcomes are values, not exceptions.</summary>
public enum ChannelOutcome
{
    Approved,
    /// <summary>Accepted, waiting for the provider to confirm (bank transfers): a webhook will say.</summary>
    Pending,
    Declined,
    /// <summary>The channel could not be reached or refused to work (timeout, outage, open circuit): try another.</summary>
    Unavailable,
}

public sealed record Invoice(string Id, decimal Amount, string Currency, DateTimeOffset IssuedAt, DateTimeOffset DueAt);

public sealed record ChannelResult(ChannelOutcome Outcome, string? AuthorizationId = null, string? DeclineCode = null, Invoice? Invoice = null)
{
    public static ChannelResult Unavailable(string reason) => new(ChannelOutcome.Unavailable, DeclineCode: reason);
}

/// <param name="IdempotencyKey">the same key gives the same result without doing the work twice.</param>
/// <param name="CreditLimit">for net terms: the buyer's credit limit.</param>
/// <param name="NetDays">for net terms: days until the invoice is due.</param>
public sealed record AuthorizeRequest(
    string IdempotencyKey,
    string OrderId,
    string CustomerId,
    decimal Amount,
    string Currency,
    string PaymentMethod,
    decimal? CreditLimit = null,
    int? NetDays = null);

public enum PaymentState
{
    Pending,
    Authorized,
    Captured,
    Voided,
    Refunded,
    Failed,
}

public sealed record PaymentStatus(string AuthorizationId, PaymentState State, decimal Authorized, decimal Captured, decimal Refunded, string Currency);

/// <summary>A payment provider adapter: the sandbox here, a real provider's client in production.</summary>
public interface IPaymentChannel
{
    string Name { get; }

    bool Supports(string paymentMethod);

    Task<ChannelResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default);

    /// <summary>Takes up to the authorized amount; the same key captures once.</summary>
    Task<ChannelResult> CaptureAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default);

    Task<ChannelResult> VoidAsync(string authorizationId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Gives back up to the captured amount; the same key refunds once.</summary>
    Task<ChannelResult> RefundAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default);

    Task<PaymentStatus?> GetStatusAsync(string authorizationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The authorization made under an authorize call's idempotency key, if the provider made one: how a call
    /// whose answer was lost is found again (providers look it up by the key or by a reference sent with it).
    /// </summary>
    Task<PaymentStatus?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default);
}
