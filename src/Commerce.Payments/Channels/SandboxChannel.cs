using System.Security.Cryptography;
using System.Text;
using Commerce.Storage.Documents;

namespace Commerce.Payments.Channels;

public sealed record SandboxOptions
{
    /// <summary>Added to every call, to rehearse slow providers.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.Zero;

    /// <summary>Share of calls (0 to 1) answered "unavailable", chosen by a seeded random.</summary>
    public double FailureRate { get; init; }

    public int Seed { get; init; } = 20261122;
}

/// <summary>
/// A payment provider's test mode, kept in the document store so that it survives restarts and proves
/// "no double charge": every operation is recorded under its idempotency key, and a repeated key gets
/// the recorded answer. Test tokens: <see cref="PaymentMethods"/>. Registered twice (sandbox-a, sandbox-b);
/// the first of them is the one pm_card_channelDown takes down, so failover to the second is real.
/// </summary>
public sealed class SandboxChannel(string name, bool takenDownByChannelDownToken, IDocumentStore documents, TimeProvider time, SandboxOptions options) : IPaymentChannel
{
    public const string Container = "sandbox-payments";

    /// <summary>The decline code for an operation on an authorization the sandbox never made.</summary>
    public const string UnknownAuthorization = "unknown_authorization";
    private const string AuthorizationDocument = "authorization";

    private readonly Random _failures = new(options.Seed ^ StableHash(name));
    private readonly Lock _random = new();

    public string Name => name;

    public bool Supports(string paymentMethod) => PaymentMethods.IsKnown(paymentMethod);

    public async Task<ChannelResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default)
    {
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        if (request.PaymentMethod == PaymentMethods.ChannelDown && takenDownByChannelDownToken)
            return ChannelResult.Unavailable(DeclineCodes.ChannelDown);
        if (InjectFailure())
            return ChannelResult.Unavailable("injected failure");

        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var authorizationId = AuthorizationIdFor(request.IdempotencyKey);
        if (await container.ReadAsync<SandboxPayment>(authorizationId, AuthorizationDocument, cancellationToken).ConfigureAwait(false) is { } seen)
            return seen.Value.Operations[request.IdempotencyKey];

        var result = await DecideAsync(request, authorizationId, container, cancellationToken).ConfigureAwait(false);
        var payment = new SandboxPayment
        {
            AuthorizationId = authorizationId,
            Channel = name,
            OrderId = request.OrderId,
            CustomerId = request.CustomerId,
            PaymentMethod = request.PaymentMethod,
            Currency = request.Currency,
            Authorized = result.Outcome is ChannelOutcome.Approved or ChannelOutcome.Pending ? request.Amount : 0,
            State = result.Outcome switch
            {
                ChannelOutcome.Approved => PaymentState.Authorized,
                ChannelOutcome.Pending => PaymentState.Pending,
                _ => PaymentState.Failed,
            },
            Invoice = result.Invoice,
            Operations = new Dictionary<string, ChannelResult> { [request.IdempotencyKey] = result },
        };
        try
        {
            await container.CreateAsync(authorizationId, AuthorizationDocument, payment, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (DocumentConflictException)
        {
            // The same request ran concurrently and was recorded first; answer as it did.
            var first = await container.ReadAsync<SandboxPayment>(authorizationId, AuthorizationDocument, cancellationToken).ConfigureAwait(false);
            return first!.Value.Value.Operations[request.IdempotencyKey];
        }
    }

    public Task<ChannelResult> CaptureAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(authorizationId, idempotencyKey, payment => payment.State == PaymentState.Authorized && amount > 0 && payment.Captured + amount <= payment.Authorized
            ? (payment with { Captured = payment.Captured + amount, State = PaymentState.Captured }, new ChannelResult(ChannelOutcome.Approved, authorizationId))
            : (payment, new ChannelResult(ChannelOutcome.Declined, authorizationId, payment.State == PaymentState.Authorized ? "amount_too_large" : $"not_capturable_when_{payment.State.ToString().ToLowerInvariant()}")),
            cancellationToken);

    public Task<ChannelResult> VoidAsync(string authorizationId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(authorizationId, idempotencyKey, payment => payment.State is PaymentState.Authorized or PaymentState.Pending
            ? (payment with { State = PaymentState.Voided }, new ChannelResult(ChannelOutcome.Approved, authorizationId))
            : (payment, new ChannelResult(ChannelOutcome.Declined, authorizationId, $"not_voidable_when_{payment.State.ToString().ToLowerInvariant()}")),
            cancellationToken, releasesCredit: true);

    public Task<ChannelResult> RefundAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(authorizationId, idempotencyKey, payment => payment.State is PaymentState.Captured or PaymentState.Refunded && amount > 0 && payment.Refunded + amount <= payment.Captured
            ? (payment with { Refunded = payment.Refunded + amount, State = payment.Refunded + amount == payment.Captured ? PaymentState.Refunded : PaymentState.Captured },
                new ChannelResult(ChannelOutcome.Approved, authorizationId))
            : (payment, new ChannelResult(ChannelOutcome.Declined, authorizationId, "not_refundable")),
            cancellationToken, releasesCredit: true);

    /// <summary>What the provider's webhook reports for a pending payment: it arrived (or not).</summary>
    public Task<ChannelResult> SettlePendingAsync(string authorizationId, bool paid, CancellationToken cancellationToken = default) =>
        OperateAsync(authorizationId, $"settle:{authorizationId}", payment => payment.State == PaymentState.Pending
            ? (payment with { State = paid ? PaymentState.Authorized : PaymentState.Failed }, new ChannelResult(paid ? ChannelOutcome.Approved : ChannelOutcome.Declined, authorizationId))
            : (payment, new ChannelResult(ChannelOutcome.Declined, authorizationId, "not_pending")),
            cancellationToken);

    public async Task<PaymentStatus?> GetStatusAsync(string authorizationId, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        return (await container.ReadAsync<SandboxPayment>(authorizationId, AuthorizationDocument, cancellationToken).ConfigureAwait(false)) is { Value: var p }
            ? new PaymentStatus(p.AuthorizationId, p.State, p.Authorized, p.Captured, p.Refunded, p.Currency)
            : null;
    }

    public Task<PaymentStatus?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        GetStatusAsync(AuthorizationIdFor(idempotencyKey), cancellationToken);

    private async Task<ChannelResult> DecideAsync(AuthorizeRequest request, string authorizationId, IDocumentContainer container, CancellationToken cancellationToken)
    {
        switch (request.PaymentMethod)
        {
            case PaymentMethods.ChargeDeclined:
                return new ChannelResult(ChannelOutcome.Declined, DeclineCode: DeclineCodes.GenericDecline);
            case PaymentMethods.ChargeDeclinedFraudulent:
                return new ChannelResult(ChannelOutcome.Declined, DeclineCode: DeclineCodes.Fraudulent);
            case PaymentMethods.ChargeDeclinedInsufficientFunds:
                return new ChannelResult(ChannelOutcome.Declined, DeclineCode: DeclineCodes.InsufficientFunds);
            case PaymentMethods.ProcessingError:
                var attempt = await CountAsync(container, $"attempts:{request.OrderId}", 1, null, cancellationToken).ConfigureAwait(false);
                return attempt <= 2 ? new ChannelResult(ChannelOutcome.Declined, DeclineCode: DeclineCodes.ProcessingError) : new ChannelResult(ChannelOutcome.Approved, authorizationId);
            case PaymentMethods.BankTransfer:
                return new ChannelResult(ChannelOutcome.Pending, authorizationId);
            case PaymentMethods.NetTerms:
                if (request.CreditLimit is not { } limit || request.NetDays is not { } days)
                    return new ChannelResult(ChannelOutcome.Declined, DeclineCode: "invalid_account");
                var outstanding = await CountAsync(container, CreditPartition(request.CustomerId, request.Currency), request.Amount, limit, cancellationToken).ConfigureAwait(false);
                if (outstanding is null)
                    return new ChannelResult(ChannelOutcome.Declined, DeclineCode: DeclineCodes.CreditLimitExceeded);
                var now = time.GetUtcNow();
                return new ChannelResult(ChannelOutcome.Approved, authorizationId, Invoice: new Invoice($"inv-{authorizationId[5..]}", request.Amount, request.Currency, now, now.AddDays(days)));
            default:
                return new ChannelResult(ChannelOutcome.Approved, authorizationId);
        }
    }

    /// <summary>Adds to a running total in one document; null (and no change) when it would pass <paramref name="limit"/>.</summary>
    private static async Task<decimal?> CountAsync(IDocumentContainer container, string partition, decimal add, decimal? limit, CancellationToken cancellationToken)
    {
        var withinLimit = true;
        var counted = await container.ChangeAsync<Counter>(partition, "total", current =>
        {
            var next = (current?.Total ?? 0) + add;
            withinLimit = next <= (limit ?? decimal.MaxValue);
            return withinLimit ? new Counter(next) : null;
        }, cancellationToken).ConfigureAwait(false);
        return withinLimit ? counted!.Total : null;
    }

    private async Task<ChannelResult> OperateAsync(string authorizationId, string idempotencyKey, Func<SandboxPayment, (SandboxPayment, ChannelResult)> operate,
        CancellationToken cancellationToken, bool releasesCredit = false)
    {
        await DelayAsync(cancellationToken).ConfigureAwait(false);
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var unknown = new ChannelResult(ChannelOutcome.Declined, authorizationId, UnknownAuthorization);
        var result = unknown;
        SandboxPayment? before = null;
        SandboxPayment? after = null;
        await container.ChangeAsync<SandboxPayment>(authorizationId, AuthorizationDocument, payment =>
        {
            (before, after, result) = (payment, null, unknown);
            if (payment is null)
                return null;
            if (payment.Operations.TryGetValue(idempotencyKey, out var done))
            {
                result = done;
                return payment;
            }
            (after, result) = operate(payment);
            return after = after with { Operations = new Dictionary<string, ChannelResult>(payment.Operations) { [idempotencyKey] = result } };
        }, cancellationToken).ConfigureAwait(false);
        if (releasesCredit && after is not null && result.Outcome == ChannelOutcome.Approved && before!.PaymentMethod == PaymentMethods.NetTerms)
        {
            // A voided or refunded net-terms sale frees the buyer's credit again.
            var released = after.State == PaymentState.Voided ? before.Authorized : after.Refunded - before.Refunded;
            await CountAsync(container, CreditPartition(before.CustomerId, before.Currency), -released, null, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>What a buyer owes on net terms is counted per currency, as its credit limit is.</summary>
    private static string CreditPartition(string customerId, string currency) => $"credit:{customerId}:{currency}";

    private string AuthorizationIdFor(string idempotencyKey) =>
        "auth_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{name}\n{idempotencyKey}")))[..24];

    private async Task DelayAsync(CancellationToken cancellationToken)
    {
        if (options.Latency > TimeSpan.Zero)
            await Task.Delay(options.Latency, time, cancellationToken).ConfigureAwait(false);
    }

    private bool InjectFailure()
    {
        if (options.FailureRate <= 0)
            return false;
        lock (_random)
            return _failures.NextDouble() < options.FailureRate;
    }

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    /// <summary>FNV-1a: unlike string.GetHashCode, the same in every process, so a seed gives the same failures.</summary>
    private static int StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
            hash = (hash ^ c) * 16777619u;
        return (int)hash;
    }

    private sealed record Counter(decimal Total);

    private sealed record SandboxPayment
    {
        public required string AuthorizationId { get; init; }
        public required string Channel { get; init; }
        public required string OrderId { get; init; }
        public required string CustomerId { get; init; }
        public required string PaymentMethod { get; init; }
        public required string Currency { get; init; }
        public decimal Authorized { get; init; }
        public decimal Captured { get; init; }
        public decimal Refunded { get; init; }
        public PaymentState State { get; init; }
        public Invoice? Invoice { get; init; }
        public Dictionary<string, ChannelResult> Operations { get; init; } = [];
    }
}
