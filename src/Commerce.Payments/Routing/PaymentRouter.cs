using Commerce.Payments.Attempts;
using Commerce.Payments.Channels;

namespace Commerce.Payments.Routing;

/// <summary>An authorization as routed: which channel answered, and every attempt on the way.</summary>
public sealed record RoutedResult(string? Channel, ChannelResult Result, IReadOnlyList<PaymentAttempt> Attempts);

/// <summary>
/// Sends payments to channels in their configured order: an authorization goes to the first channel that
/// supports the method and is not behind an open circuit, and on "unavailable" fails over to the next
/// one, within the same call. Captures, voids and refunds go to the channel that authorized. Retries over
/// time are not done here but by the order orchestration (see <see cref="PaymentRetrySettings"/>), so that
/// waiting survives restarts. Every attempt is recorded.
/// </summary>
public sealed class PaymentRouter
{
    /// <summary>The reason an authorize call is recorded with until its answer is recorded: a call whose answer was lost keeps it.</summary>
    public const string Unanswered = "no_answer";

    private readonly IReadOnlyList<IPaymentChannel> _channels;
    private readonly Dictionary<string, CircuitBreaker> _breakers;
    private readonly PaymentAttemptLog _attempts;
    private readonly TimeProvider _time;

    private readonly RouteJournal _journal;
    private readonly TimeSpan _callTimeout;

    public PaymentRouter(IEnumerable<IPaymentChannel> channels, PaymentAttemptLog attempts, RouteJournal journal, TimeProvider time, CircuitBreaker.Options? breaker = null, TimeSpan? callTimeout = null)
    {
        _channels = channels.ToList();
        _attempts = attempts;
        _journal = journal;
        _time = time;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(10);
        _breakers = _channels.ToDictionary(c => c.Name, _ => new CircuitBreaker(breaker ?? new CircuitBreaker.Options(), time), StringComparer.Ordinal);
    }

    public IReadOnlyList<IPaymentChannel> Channels => _channels;

    public bool IsCircuitOpen(string channel) => _breakers[channel].IsOpen;

    public IPaymentChannel Channel(string name) =>
        _channels.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"'{name}' is not a payment channel.", nameof(name));

    public async Task<RoutedResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default)
    {
        var attempts = new List<PaymentAttempt>();
        var journal = await _journal.ReadAsync(request.IdempotencyKey, cancellationToken).ConfigureAwait(false);
        // A repeat of a call that reached a channel goes back to that channel only (it answers as before), so
        // that a retried authorization can never be approved a second time by another channel.
        var reached = journal.FirstOrDefault(j => !j.Unavailable)?.Channel;
        foreach (var channel in _channels.Where(c => c.Supports(request.PaymentMethod) && (reached is null || c.Name == reached)))
        {
            if (reached is null && journal.Any(j => j.Channel == channel.Name && j.Unavailable))
                continue;
            var breaker = _breakers[channel.Name];
            if (reached is null && !breaker.TryEnter())
            {
                attempts.Add(await RecordAsync(request.IdempotencyKey, request.OrderId, channel.Name, "authorize", request.Amount, request.Currency,
                    ChannelResult.Unavailable("circuit_open"), TimeSpan.Zero, cancellationToken).ConfigureAwait(false));
                continue;
            }
            await _journal.CallingAsync(request.IdempotencyKey, channel.Name, cancellationToken).ConfigureAwait(false);
            // Recorded before the call and overwritten with its answer, so a call whose answer is lost to a crash is known too.
            var unanswered = await RecordAsync(request.IdempotencyKey, request.OrderId, channel.Name, "authorize", request.Amount, request.Currency,
                ChannelResult.Unavailable(Unanswered), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            var started = _time.GetTimestamp();
            ChannelResult result;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                timeout.CancelAfter(_callTimeout);
                try
                {
                    result = await channel.AuthorizeAsync(request, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // The channel may have authorized before the answer was lost: the journal keeps repeats of this
                    // call on it, and its "unanswered" record lets VoidAbandonedAsync find what it may have left.
                    breaker.Failed();
                    attempts.Add(unanswered);
                    throw new PaymentChannelTimeoutException(channel.Name, attempts, e);
                }
            }
            attempts.Add(await RecordAsync(request.IdempotencyKey, request.OrderId, channel.Name, "authorize", request.Amount, request.Currency,
                result, _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false));
            if (result.Outcome == ChannelOutcome.Unavailable)
            {
                await _journal.UnavailableAsync(request.IdempotencyKey, channel.Name, cancellationToken).ConfigureAwait(false);
                breaker.Failed();
                continue;
            }
            breaker.Succeeded();
            return new RoutedResult(channel.Name, result, attempts);
        }
        return new RoutedResult(null, ChannelResult.Unavailable("no channel available"), attempts);
    }

    /// <summary>
    /// Voids whatever the order's authorize calls left standing at their channels, except <paramref name="keep"/>
    /// (the authorization the order goes on with, if any): calls whose answer was lost, and approvals the
    /// order could not go on with, so that no authorization holds the buyer's money for nothing. Each call is
    /// looked up at its channel by its idempotency key. A channel still out of reach throws, so the caller
    /// tries again later.
    /// </summary>
    /// <returns>the void attempts made.</returns>
    public async Task<IReadOnlyList<PaymentAttempt>> VoidAbandonedAsync(string orderId, string? keep, CancellationToken cancellationToken = default)
    {
        var voids = new List<PaymentAttempt>();
        var calls = (await _attempts.ForOrderAsync(orderId, cancellationToken).ConfigureAwait(false))
            .Where(a => a is { Operation: "authorize", IdempotencyKey: not null } && (a.DeclineCode == Unanswered || a.Outcome is ChannelOutcome.Approved or ChannelOutcome.Pending))
            .DistinctBy(a => (a.Channel, a.IdempotencyKey));
        foreach (var call in calls)
        {
            var left = await Channel(call.Channel).FindAsync(call.IdempotencyKey!, cancellationToken).ConfigureAwait(false);
            if (left is not { State: PaymentState.Authorized or PaymentState.Pending } || left.AuthorizationId == keep)
                continue;
            var voided = await VoidAsync(call.Channel, orderId, left.AuthorizationId, left.Authorized, left.Currency, $"{call.IdempotencyKey}:void", cancellationToken).ConfigureAwait(false);
            voids.AddRange(voided.Attempts);
        }
        return voids;
    }

    public Task<RoutedResult> CaptureAsync(string channel, string orderId, string authorizationId, decimal amount, string currency, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(channel, orderId, "capture", amount, currency, idempotencyKey, c => c.CaptureAsync(authorizationId, amount, idempotencyKey, cancellationToken), cancellationToken);

    public Task<RoutedResult> VoidAsync(string channel, string orderId, string authorizationId, decimal amount, string currency, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(channel, orderId, "void", amount, currency, idempotencyKey, c => c.VoidAsync(authorizationId, idempotencyKey, cancellationToken), cancellationToken);

    public Task<RoutedResult> RefundAsync(string channel, string orderId, string authorizationId, decimal amount, string currency, string idempotencyKey, CancellationToken cancellationToken = default) =>
        OperateAsync(channel, orderId, "refund", amount, currency, idempotencyKey, c => c.RefundAsync(authorizationId, amount, idempotencyKey, cancellationToken), cancellationToken);

    private async Task<RoutedResult> OperateAsync(string channelName, string orderId, string operation, decimal amount, string currency, string idempotencyKey,
        Func<IPaymentChannel, Task<ChannelResult>> call, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var result = await call(Channel(channelName)).ConfigureAwait(false);
        var attempt = await RecordAsync(idempotencyKey, orderId, channelName, operation, amount, currency, result, _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
        return new RoutedResult(channelName, result, [attempt]);
    }

    private async Task<PaymentAttempt> RecordAsync(string idempotencyKey, string orderId, string channel, string operation, decimal amount, string currency,
        ChannelResult result, TimeSpan latency, CancellationToken cancellationToken)
    {
        var attempt = new PaymentAttempt($"{idempotencyKey}|{channel}|{operation}".Replace('/', '-'), orderId, channel, operation, amount, currency,
            result.Outcome, result.DeclineCode, Math.Round(latency.TotalMilliseconds, 3), _time.GetUtcNow(), result.AuthorizationId, idempotencyKey);
        await _attempts.RecordAsync(attempt, cancellationToken).ConfigureAwait(false);
        return attempt;
    }
}

/// <summary>
/// How the order orchestration retries a payment: soft declines and unavailable channels only, with
/// exponential back-off, jitter and a cap, within a budget suited to a customer waiting at checkout.
/// </summary>
public sealed record PaymentRetrySettings
{
    public int MaxAttempts { get; init; } = 4;
    public TimeSpan FirstRetryInterval { get; init; } = TimeSpan.FromSeconds(1);
    public double BackoffCoefficient { get; init; } = 2;
    public TimeSpan MaxRetryInterval { get; init; } = TimeSpan.FromSeconds(5);
    public double Jitter { get; init; } = 0.2;
    public TimeSpan RetryTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public static bool IsRetryable(ChannelResult result) =>
        result.Outcome == ChannelOutcome.Unavailable || (result.Outcome == ChannelOutcome.Declined && DeclineCodes.IsRetryable(result.DeclineCode));
}

/// <summary>A channel did not answer in time; it may still have acted, so the call must be repeated on it, not elsewhere.</summary>
public sealed class PaymentChannelTimeoutException(string channel, IReadOnlyList<PaymentAttempt> attempts, Exception inner)
    : Exception($"Payment channel '{channel}' did not answer in time.", inner)
{
    /// <summary>The attempts of the call, the unanswered one last.</summary>
    public IReadOnlyList<PaymentAttempt> Attempts => attempts;
}
