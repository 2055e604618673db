using System.Text;
using System.Text.Json;
using Commerce.Payments.Attempts;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;

namespace Commerce.Payments.Tests;

public sealed class PaymentsTests : IDisposable
{
    private readonly TempDirectory _folder = new("payments");
    private readonly SqliteDatabase _database;
    private readonly SqliteDocumentStore _documents;
    private readonly ManualTime _time = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));

    public PaymentsTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        _documents = new SqliteDocumentStore(_database);
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    private PaymentRouter Router(IDocumentStore? documents = null, CircuitBreaker.Options? breaker = null, params IPaymentChannel[] channels)
    {
        var store = documents ?? _documents;
        IPaymentChannel[] defaults =
        [
            new SandboxChannel("sandbox-a", true, store, _time, new SandboxOptions()),
            new SandboxChannel("sandbox-b", false, store, _time, new SandboxOptions()),
        ];
        return new PaymentRouter(channels.Length > 0 ? channels : defaults, new PaymentAttemptLog(store), new RouteJournal(store), _time, breaker);
    }

    private static AuthorizeRequest Request(string method, string key = "o-1:authorize:1", string order = "o-1", decimal amount = 20m, decimal? limit = null, int? days = null, string currency = "GBP") =>
        new(key, order, "c-1", amount, currency, method, limit, days);

    [Theory]
    [InlineData(PaymentMethods.Visa, ChannelOutcome.Approved, null)]
    [InlineData(PaymentMethods.ChargeDeclined, ChannelOutcome.Declined, DeclineCodes.GenericDecline)]
    [InlineData(PaymentMethods.ChargeDeclinedFraudulent, ChannelOutcome.Declined, DeclineCodes.Fraudulent)]
    [InlineData(PaymentMethods.ChargeDeclinedInsufficientFunds, ChannelOutcome.Declined, DeclineCodes.InsufficientFunds)]
    [InlineData(PaymentMethods.BankTransfer, ChannelOutcome.Pending, null)]
    public async Task Each_test_token_answers_as_a_providers_test_mode(string method, ChannelOutcome outcome, string? code)
    {
        var routed = await Router().AuthorizeAsync(Request(method));

        Assert.Equal(outcome, routed.Result.Outcome);
        Assert.Equal(code, routed.Result.DeclineCode);
        Assert.Equal("sandbox-a", routed.Channel);
    }

    [Theory]
    [InlineData(DeclineCodes.InsufficientFunds, true)]
    [InlineData(DeclineCodes.ProcessingError, true)]
    [InlineData("try_again_later", true)]
    [InlineData(DeclineCodes.GenericDecline, false)]
    [InlineData(DeclineCodes.Fraudulent, false)]
    [InlineData("stolen_card", false)]
    [InlineData("something_new", false)]
    public void Soft_declines_are_retryable_and_hard_or_unknown_ones_are_not(string code, bool retryable)
    {
        Assert.Equal(retryable, DeclineCodes.IsRetryable(code));
        Assert.Equal(retryable, PaymentRetrySettings.IsRetryable(new ChannelResult(ChannelOutcome.Declined, DeclineCode: code)));
    }

    [Fact]
    public async Task A_processing_error_clears_on_the_third_attempt_even_across_a_restart()
    {
        var first = await Router().AuthorizeAsync(Request(PaymentMethods.ProcessingError, "o-2:authorize:1", "o-2"));
        var second = await Router().AuthorizeAsync(Request(PaymentMethods.ProcessingError, "o-2:authorize:2", "o-2"));
        var restarted = Router(new SqliteDocumentStore(_database));
        var third = await restarted.AuthorizeAsync(Request(PaymentMethods.ProcessingError, "o-2:authorize:3", "o-2"));

        Assert.Equal(DeclineCodes.ProcessingError, first.Result.DeclineCode);
        Assert.Equal(DeclineCodes.ProcessingError, second.Result.DeclineCode);
        Assert.Equal(ChannelOutcome.Approved, third.Result.Outcome);
    }

    [Fact]
    public async Task A_channel_that_is_down_fails_over_to_the_next_and_both_attempts_are_recorded()
    {
        var routed = await Router().AuthorizeAsync(Request(PaymentMethods.ChannelDown, "o-3:authorize:1", "o-3"));

        Assert.Equal(ChannelOutcome.Approved, routed.Result.Outcome);
        Assert.Equal("sandbox-b", routed.Channel);
        Assert.Equal([("sandbox-a", ChannelOutcome.Unavailable), ("sandbox-b", ChannelOutcome.Approved)], routed.Attempts.Select(a => (a.Channel, a.Outcome)));
        var recorded = await new PaymentAttemptLog(_documents).ForOrderAsync("o-3");
        Assert.Equal(2, recorded.Count);
        Assert.Equal(2, (await new PaymentAttemptLog(_documents).ForDayAsync(new DateOnly(2026, 11, 22))).Count(a => a.OrderId == "o-3"));
    }

    [Fact]
    public async Task A_circuit_opens_after_repeated_outages_and_half_opens_after_its_break()
    {
        var router = Router(breaker: new CircuitBreaker.Options(2, TimeSpan.FromSeconds(30)));
        for (var i = 0; i < 2; i++)
            await router.AuthorizeAsync(Request(PaymentMethods.ChannelDown, $"o-4:authorize:{i}", "o-4"));
        Assert.True(router.IsCircuitOpen("sandbox-a"));

        var skipped = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-5:authorize:1", "o-5"));
        Assert.Equal("sandbox-b", skipped.Channel);
        Assert.Equal("circuit_open", skipped.Attempts[0].DeclineCode);

        _time.Advance(TimeSpan.FromSeconds(31));
        var trial = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-6:authorize:1", "o-6"));
        Assert.Equal("sandbox-a", trial.Channel);
        Assert.False(router.IsCircuitOpen("sandbox-a"));
    }

    [Fact]
    public async Task The_same_idempotency_key_authorizes_and_captures_once_even_concurrently()
    {
        var router = Router();
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-7:authorize:1", "o-7")))));
        var authorization = Assert.Single(results.Select(r => r.Result.AuthorizationId).Distinct());

        var captures = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => router.CaptureAsync("sandbox-a", "o-7", authorization!, 20m, "GBP", "o-7:capture")));
        Assert.All(captures, c => Assert.Equal(ChannelOutcome.Approved, c.Result.Outcome));
        var status = await router.Channel("sandbox-a").GetStatusAsync(authorization!);
        Assert.Equal((PaymentState.Captured, 20m, 20m), (status!.State, status.Authorized, status.Captured));

        var more = await router.CaptureAsync("sandbox-a", "o-7", authorization!, 1m, "GBP", "o-7:capture-again");
        Assert.Equal(ChannelOutcome.Declined, more.Result.Outcome);
    }

    [Fact]
    public async Task A_repeated_authorization_goes_back_to_the_channel_that_was_reached_even_if_another_is_first_now()
    {
        var flaky = new SwitchableChannel("primary");
        var backup = new SandboxChannel("backup", false, _documents, _time, new SandboxOptions());
        var router = Router(channels: [flaky, backup]);

        flaky.Down = true;
        var first = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-13:authorize:1", "o-13"));
        flaky.Down = false;
        var repeated = await Router(channels: [flaky, backup]).AuthorizeAsync(Request(PaymentMethods.Visa, "o-13:authorize:1", "o-13"));

        Assert.Equal("backup", first.Channel);
        Assert.Equal("backup", repeated.Channel);
        Assert.Equal(first.Result.AuthorizationId, repeated.Result.AuthorizationId);
        Assert.Equal(0, flaky.Approvals);
    }

    [Fact]
    public async Task A_channel_that_does_not_answer_in_time_is_reported_and_repeats_stay_on_it()
    {
        var slow = new SwitchableChannel("slow") { Delay = TimeSpan.FromSeconds(5) };
        var router = new PaymentRouter([slow, new SandboxChannel("backup", false, _documents, _time, new SandboxOptions())],
            new PaymentAttemptLog(_documents), new RouteJournal(_documents), TimeProvider.System, callTimeout: TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<PaymentChannelTimeoutException>(() => router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-14:authorize:1", "o-14")));
        slow.Delay = TimeSpan.Zero;
        var repeated = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-14:authorize:1", "o-14"));

        Assert.Equal("slow", repeated.Channel);
    }

    /// <summary>A channel a test can take down or slow down.</summary>
    private sealed class SwitchableChannel(string name) : IPaymentChannel
    {
        public bool Down { get; set; }
        public TimeSpan Delay { get; set; }
        public int Approvals;

        public string Name => name;
        public bool Supports(string paymentMethod) => true;

        public async Task<ChannelResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default)
        {
            await Task.Delay(Delay, cancellationToken);
            if (Down)
                return ChannelResult.Unavailable("down");
            Interlocked.Increment(ref Approvals);
            return new ChannelResult(ChannelOutcome.Approved, $"auth_{name}_{request.IdempotencyKey}");
        }

        public Task<ChannelResult> CaptureAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChannelResult> VoidAsync(string authorizationId, string idempotencyKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<ChannelResult> RefundAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<PaymentStatus?> GetStatusAsync(string authorizationId, CancellationToken cancellationToken = default) => Task.FromResult<PaymentStatus?>(null);
        public Task<PaymentStatus?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) => Task.FromResult<PaymentStatus?>(null);
    }

    /// <summary>A sandbox whose authorize answers are lost while <see cref="LoseAnswers"/> is set: it authorizes, then does not answer.</summary>
    private sealed class AnswerLosingChannel(SandboxChannel inner) : IPaymentChannel
    {
        public bool LoseAnswers { get; set; }

        /// <summary>Fails the call the way a crashing caller would, after the provider authorized.</summary>
        public bool FailAfterAuthorizing { get; set; }

        public string Name => inner.Name;
        public bool Supports(string paymentMethod) => inner.Supports(paymentMethod);

        public async Task<ChannelResult> AuthorizeAsync(AuthorizeRequest request, CancellationToken cancellationToken = default)
        {
            var result = await inner.AuthorizeAsync(request, CancellationToken.None);
            if (FailAfterAuthorizing)
                throw new IOException("connection reset after the provider authorized");
            if (LoseAnswers)
                await Task.Delay(Timeout.Infinite, cancellationToken);
            return result;
        }

        public Task<ChannelResult> CaptureAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) => inner.CaptureAsync(authorizationId, amount, idempotencyKey, cancellationToken);
        public Task<ChannelResult> VoidAsync(string authorizationId, string idempotencyKey, CancellationToken cancellationToken = default) => inner.VoidAsync(authorizationId, idempotencyKey, cancellationToken);
        public Task<ChannelResult> RefundAsync(string authorizationId, decimal amount, string idempotencyKey, CancellationToken cancellationToken = default) => inner.RefundAsync(authorizationId, amount, idempotencyKey, cancellationToken);
        public Task<PaymentStatus?> GetStatusAsync(string authorizationId, CancellationToken cancellationToken = default) => inner.GetStatusAsync(authorizationId, cancellationToken);
        public Task<PaymentStatus?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) => inner.FindAsync(idempotencyKey, cancellationToken);
    }

    [Fact]
    public async Task What_a_call_with_a_lost_answer_authorized_is_voided_and_the_authorization_kept_is_not()
    {
        var losing = new AnswerLosingChannel(new SandboxChannel("sandbox-a", false, _documents, _time, new SandboxOptions())) { LoseAnswers = true };
        var router = new PaymentRouter([losing, new SandboxChannel("sandbox-b", false, _documents, _time, new SandboxOptions())],
            new PaymentAttemptLog(_documents), new RouteJournal(_documents), TimeProvider.System, callTimeout: TimeSpan.FromMilliseconds(200));

        var lost = await Assert.ThrowsAsync<PaymentChannelTimeoutException>(() => router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-15:authorize:1", "o-15")));
        losing.LoseAnswers = false;
        var kept = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-15:authorize:2", "o-15"));
        var left = await losing.FindAsync("o-15:authorize:1");

        Assert.Equal(PaymentRouter.Unanswered, Assert.Single(lost.Attempts).DeclineCode);
        Assert.Equal(PaymentState.Authorized, left!.State);
        Assert.NotEqual(left.AuthorizationId, kept.Result.AuthorizationId);

        var voids = await router.VoidAbandonedAsync("o-15", keep: kept.Result.AuthorizationId);
        var again = await router.VoidAbandonedAsync("o-15", keep: kept.Result.AuthorizationId);

        Assert.Equal(("void", ChannelOutcome.Approved), (Assert.Single(voids).Operation, voids[0].Outcome));
        Assert.Empty(again);
        Assert.Equal(PaymentState.Voided, (await losing.GetStatusAsync(left.AuthorizationId))!.State);
        Assert.Equal(PaymentState.Authorized, (await router.Channel(kept.Channel!).GetStatusAsync(kept.Result.AuthorizationId!))!.State);
    }

    [Fact]
    public async Task When_an_order_gives_up_every_authorization_its_calls_left_is_voided()
    {
        var failing = new AnswerLosingChannel(new SandboxChannel("sandbox-a", false, _documents, _time, new SandboxOptions())) { FailAfterAuthorizing = true };
        var router = new PaymentRouter([failing], new PaymentAttemptLog(_documents), new RouteJournal(_documents), _time);

        await Assert.ThrowsAsync<IOException>(() => router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-17:authorize:1", "o-17")));
        failing.FailAfterAuthorizing = false;
        var approved = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-17:authorize:2", "o-17"));
        var declined = await router.AuthorizeAsync(Request(PaymentMethods.ChargeDeclined, "o-17:authorize:3", "o-17"));

        var voids = await router.VoidAbandonedAsync("o-17", keep: null);

        Assert.Equal(ChannelOutcome.Declined, declined.Result.Outcome);
        Assert.Equal(2, voids.Count);
        Assert.All(voids, v => Assert.Equal(("void", ChannelOutcome.Approved), (v.Operation, v.Outcome)));
        Assert.Equal(PaymentState.Voided, (await failing.FindAsync("o-17:authorize:1"))!.State);
        Assert.Equal(PaymentState.Voided, (await failing.GetStatusAsync(approved.Result.AuthorizationId!))!.State);
    }

    [Fact]
    public async Task The_authorization_a_repeated_unanswered_call_ended_with_is_the_one_kept()
    {
        var losing = new AnswerLosingChannel(new SandboxChannel("sandbox-a", false, _documents, _time, new SandboxOptions())) { LoseAnswers = true };
        var router = new PaymentRouter([losing], new PaymentAttemptLog(_documents), new RouteJournal(_documents), TimeProvider.System, callTimeout: TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<PaymentChannelTimeoutException>(() => router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-16:authorize:1", "o-16")));
        losing.LoseAnswers = false;
        var repeated = await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-16:authorize:1", "o-16"));

        Assert.Empty(await router.VoidAbandonedAsync("o-16", keep: repeated.Result.AuthorizationId));
        Assert.Equal(PaymentState.Authorized, (await losing.GetStatusAsync(repeated.Result.AuthorizationId!))!.State);
    }

    [Fact]
    public async Task Void_refund_and_their_limits()
    {
        var router = Router();
        var voided = (await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-8:authorize:1", "o-8"))).Result.AuthorizationId!;
        Assert.Equal(ChannelOutcome.Approved, (await router.VoidAsync("sandbox-a", "o-8", voided, 20m, "GBP", "o-8:void")).Result.Outcome);
        Assert.Equal(ChannelOutcome.Declined, (await router.CaptureAsync("sandbox-a", "o-8", voided, 20m, "GBP", "o-8:capture")).Result.Outcome);

        var refunded = (await router.AuthorizeAsync(Request(PaymentMethods.Visa, "o-9:authorize:1", "o-9"))).Result.AuthorizationId!;
        await router.CaptureAsync("sandbox-a", "o-9", refunded, 20m, "GBP", "o-9:capture");
        Assert.Equal(ChannelOutcome.Approved, (await router.RefundAsync("sandbox-a", "o-9", refunded, 20m, "GBP", "o-9:refund")).Result.Outcome);
        Assert.Equal(ChannelOutcome.Approved, (await router.RefundAsync("sandbox-a", "o-9", refunded, 20m, "GBP", "o-9:refund")).Result.Outcome);
        Assert.Equal(ChannelOutcome.Declined, (await router.RefundAsync("sandbox-a", "o-9", refunded, 1m, "GBP", "o-9:refund-more")).Result.Outcome);
        Assert.Equal((PaymentState.Refunded, 20m), ((await router.Channel("sandbox-a").GetStatusAsync(refunded))!.State, (await router.Channel("sandbox-a").GetStatusAsync(refunded))!.Refunded));
    }

    [Fact]
    public async Task Net_terms_approve_within_the_credit_limit_with_an_invoice_and_decline_beyond_it()
    {
        var router = Router();

        var first = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-10:authorize:1", "o-10", 600m, 1000m, 30));
        var second = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-11:authorize:1", "o-11", 600m, 1000m, 30));

        Assert.Equal(ChannelOutcome.Approved, first.Result.Outcome);
        Assert.Equal(_time.GetUtcNow().AddDays(30), first.Result.Invoice!.DueAt);
        Assert.Equal(600m, first.Result.Invoice.Amount);
        Assert.Equal(DeclineCodes.CreditLimitExceeded, second.Result.DeclineCode);

        await router.VoidAsync("sandbox-a", "o-10", first.Result.AuthorizationId!, 600m, "GBP", "o-10:void");
        var third = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-12:authorize:1", "o-12", 600m, 1000m, 30));
        Assert.Equal(ChannelOutcome.Approved, third.Result.Outcome);
    }

    [Fact]
    public async Task Net_terms_credit_is_counted_per_currency()
    {
        var router = Router();

        var pounds = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-20:authorize:1", "o-20", 600m, 1000m, 30, "GBP"));
        var euros = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-21:authorize:1", "o-21", 900m, 1000m, 30, "EUR"));
        var morePounds = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-22:authorize:1", "o-22", 401m, 1000m, 30, "GBP"));
        var moreEuros = await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-23:authorize:1", "o-23", 100m, 1000m, 30, "EUR"));

        Assert.Equal(ChannelOutcome.Approved, pounds.Result.Outcome);
        Assert.Equal(ChannelOutcome.Approved, euros.Result.Outcome);
        Assert.Equal("EUR", euros.Result.Invoice!.Currency);
        Assert.Equal(DeclineCodes.CreditLimitExceeded, morePounds.Result.DeclineCode);
        Assert.Equal(ChannelOutcome.Approved, moreEuros.Result.Outcome);

        // Voiding the euro sale frees euro credit only.
        await router.VoidAsync("sandbox-a", "o-21", euros.Result.AuthorizationId!, 900m, "EUR", "o-21:void");
        Assert.Equal(DeclineCodes.CreditLimitExceeded, (await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-24:authorize:1", "o-24", 401m, 1000m, 30, "GBP"))).Result.DeclineCode);
        Assert.Equal(ChannelOutcome.Approved, (await router.AuthorizeAsync(Request(PaymentMethods.NetTerms, "o-25:authorize:1", "o-25", 900m, 1000m, 30, "EUR"))).Result.Outcome);
    }

    [Fact]
    public void Only_known_tokens_are_payment_methods()
    {
        Assert.True(PaymentMethods.IsKnown(PaymentMethods.Visa));
        Assert.True(PaymentMethods.IsKnown(PaymentMethods.NetTerms));
        Assert.False(PaymentMethods.IsKnown("pm_card_mastercard_unknown"));
        Assert.False(PaymentMethods.IsKnown(null));
    }

    private PaymentWebhooks Webhooks() => new(new Dictionary<string, IReadOnlyList<string>> { ["sandbox-a"] = ["new-secret", "old-secret"] }, _documents, _time);

    private static byte[] EventBody(string id = "evt-1") =>
        JsonSerializer.SerializeToUtf8Bytes(new PaymentEvent(id, PaymentEvent.Confirmed, "o-1", "auth_1", 20m, "GBP"), DocumentJson.Options);

    [Fact]
    public async Task A_claimed_event_is_in_progress_for_other_deliveries_and_a_duplicate_once_completed()
    {
        var webhooks = Webhooks();
        var body = EventBody();
        var check = webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", _time.GetUtcNow(), body), body);
        Assert.Equal(WebhookVerdict.Accepted, check.Verdict);
        Assert.Equal("o-1", check.Event!.OrderId);

        var claim = await webhooks.ClaimAsync("sandbox-a", check.Event);
        Assert.Equal(ClaimOutcome.Claimed, claim.Outcome);
        Assert.Equal(ClaimOutcome.InProgress, (await webhooks.ClaimAsync("sandbox-a", check.Event)).Outcome);
        await webhooks.CompleteAsync("sandbox-a", check.Event, claim.ETag!);

        Assert.Equal(ClaimOutcome.Processed, (await webhooks.ClaimAsync("sandbox-a", check.Event)).Outcome);
        _time.Advance(PaymentWebhooks.ClaimLease * 3);
        Assert.Equal(ClaimOutcome.Processed, (await webhooks.ClaimAsync("sandbox-a", check.Event)).Outcome);
        var rotated = webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("old-secret", _time.GetUtcNow(), EventBody("evt-2")), EventBody("evt-2"));
        Assert.Equal(WebhookVerdict.Accepted, rotated.Verdict);
        Assert.Equal(ClaimOutcome.Claimed, (await webhooks.ClaimAsync("sandbox-a", rotated.Event!)).Outcome);
    }

    [Fact]
    public async Task Of_twenty_parallel_claims_on_one_event_one_wins()
    {
        var webhooks = Webhooks();
        var payment = new PaymentEvent("evt-race", PaymentEvent.Confirmed, "o-1", "auth_1", 20m, "GBP");

        var claims = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => webhooks.ClaimAsync("sandbox-a", payment))));

        Assert.Single(claims, c => c.Outcome == ClaimOutcome.Claimed);
        Assert.All(claims.Where(c => c.Outcome != ClaimOutcome.Claimed), c => Assert.Equal(ClaimOutcome.InProgress, c.Outcome));
    }

    [Fact]
    public async Task A_claim_whose_delivery_died_is_taken_over_after_its_lease_by_one_delivery_and_a_released_one_at_once()
    {
        var webhooks = Webhooks();
        var payment = new PaymentEvent("evt-died", PaymentEvent.Confirmed, "o-1", "auth_1", 20m, "GBP");
        Assert.Equal(ClaimOutcome.Claimed, (await webhooks.ClaimAsync("sandbox-a", payment)).Outcome);

        _time.Advance(PaymentWebhooks.ClaimLease - TimeSpan.FromSeconds(1));
        Assert.Equal(ClaimOutcome.InProgress, (await webhooks.ClaimAsync("sandbox-a", payment)).Outcome);
        _time.Advance(TimeSpan.FromSeconds(2));
        var takeovers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => webhooks.ClaimAsync("sandbox-a", payment))));
        var taken = Assert.Single(takeovers, c => c.Outcome == ClaimOutcome.Claimed);

        await webhooks.ReleaseAsync("sandbox-a", payment, taken.ETag!);
        Assert.Equal(ClaimOutcome.Claimed, (await webhooks.ClaimAsync("sandbox-a", payment)).Outcome);
    }

    [Fact]
    public void An_event_must_name_one_of_its_orders_authorizations_with_the_orders_total_and_currency()
    {
        var expected = new PaymentExpectation("o-1", new HashSet<string> { "auth_1", "auth_2" }, 20.00m, "GBP");
        var matching = new PaymentEvent("evt-1", PaymentEvent.Confirmed, "o-1", "auth_2", 20m, "GBP");

        Assert.Empty(PaymentWebhooks.Mismatches(matching, expected));
        Assert.Equal(["authorizationId"], PaymentWebhooks.Mismatches(matching with { AuthorizationId = "auth_3" }, expected).Keys);
        Assert.Equal(["amount"], PaymentWebhooks.Mismatches(matching with { Amount = 20.01m }, expected).Keys);
        Assert.Equal(["currency"], PaymentWebhooks.Mismatches(matching with { Currency = "gbp" }, expected).Keys);
        Assert.Equal(["authorizationId", "amount", "currency"], PaymentWebhooks.Mismatches(new PaymentEvent("evt-1", PaymentEvent.Failed, "o-1", "auth_9", 2000m, "EUR"), expected).Keys);
    }

    [Fact]
    public void Bad_signatures_stale_times_and_missing_headers_are_refused()
    {
        var webhooks = Webhooks();
        var body = EventBody();
        var now = _time.GetUtcNow();
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("20", "2000", StringComparison.Ordinal));

        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", null, body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", "t=abc,v1=zz", body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", "t=99999999999999,v1=00", body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("wrong", now, body), body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now, body), tampered).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now.AddMinutes(-6), body), body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now.AddMinutes(6), body), body).Verdict);
        Assert.Equal(WebhookVerdict.Accepted, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now.AddMinutes(-4), body), body).Verdict);
        Assert.Equal(WebhookVerdict.Unauthorized, webhooks.Verify("sandbox-z", PaymentWebhooks.SignatureFor("new-secret", now, body), body).Verdict);

        var withoutAuthorization = JsonSerializer.SerializeToUtf8Bytes(new { id = "evt-9", type = PaymentEvent.Confirmed, orderId = "o-1", amount = 20m, currency = "GBP" });
        Assert.Equal(WebhookVerdict.Malformed, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now, withoutAuthorization), withoutAuthorization).Verdict);
        var withoutCurrency = JsonSerializer.SerializeToUtf8Bytes(new { id = "evt-9", type = PaymentEvent.Confirmed, orderId = "o-1", authorizationId = "auth_1", amount = 20m });
        Assert.Equal(WebhookVerdict.Malformed, webhooks.Verify("sandbox-a", PaymentWebhooks.SignatureFor("new-secret", now, withoutCurrency), withoutCurrency).Verdict);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
