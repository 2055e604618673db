using System.Collections.Concurrent;
using Commerce.Durable;
using Commerce.Durable.Hosting;
using Commerce.Hosting;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orchestrations.OrderLifecycle.Activities;
using Commerce.Orders.Orders;
using Commerce.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Orchestrations.Tests;

/// <summary>
/// The lifecycle's decisions and compensations on the real engine, with scripted activities standing in
/// for stock and payments, so each path can be forced. The real activities are covered end to end.
/// </summary>
public abstract class OrderLifecycleScenarioTests
{
    /// <summary>Starts the engine under test with these orchestrators and activities; disposing the first item stops it.</summary>
    protected abstract Task<(IAsyncDisposable Engine, DurableTaskClient Client)> StartEngineAsync(Action<DurableTaskRegistry> register);

    /// <summary>
    /// Waits until the orchestration has taken in an event raised to it, where the engine shows its history. Neither
    /// engine promises that an event raised before an activity ends is applied before that activity's result (they
    /// travel as separate messages), so a scenario about an event that arrived during a step waits for the arrival.
    /// </summary>
    protected virtual Task WaitUntilReceivedAsync(DurableTaskClient client, string instanceId, string eventName) => Task.CompletedTask;

    private static readonly LifecycleTimings Fast = new(
        PaymentDeadline: TimeSpan.FromSeconds(1),
        ShipmentDeadline: TimeSpan.FromSeconds(30),
        DeliveryDeadline: TimeSpan.FromSeconds(30),
        AutoFulfilment: true,
        PaymentAttempts: 4,
        FirstPaymentRetry: TimeSpan.FromMilliseconds(100),
        PaymentBackoff: 2,
        MaxPaymentRetry: TimeSpan.FromMilliseconds(300),
        PaymentRetryTimeout: TimeSpan.FromSeconds(5),
        PaymentJitter: 0.2);

    /// <summary>What the scripted activities answer, and what they were asked.</summary>
    private sealed class Script
    {
        public bool Valid { get; init; } = true;
        public bool InStock { get; init; } = true;
        public bool RiskApproved { get; init; } = true;
        /// <summary>Per authorize attempt: "ok", "ok-after-lost-answer", "pending", "soft", "hard".</summary>
        public string[] Authorizations { get; init; } = ["ok"];
        public bool CaptureFails { get; init; }
        /// <summary>False: the commit finds the reservation lapsed and the stock gone.</summary>
        public bool StockCommits { get; init; } = true;
        /// <summary>Validation fails with an error no retry helps, so the lifecycle fails.</summary>
        public bool ValidationBreaks { get; init; }
        /// <summary>When set, risk assessment waits until it completes.</summary>
        public TaskCompletionSource? RiskGate { get; init; }
        public ConcurrentQueue<string> Calls { get; } = new();
        /// <summary>The authorization each call to void unanswered payments was told to keep ("" for none).</summary>
        public ConcurrentQueue<string> AbandonedKept { get; } = new();
        public int AuthorizeAttempts;
    }

    /// <summary>The activities' names: the lifecycle calls each by its class, whose name the registry uses.</summary>
    private static class Names
    {
        public const string Validate = nameof(ValidateOrder);
        public const string Reserve = nameof(ReserveStock);
        public const string AssessRisk = nameof(OrderLifecycle.Activities.AssessRisk);
        public const string Authorize = nameof(AuthorizePayment);
        public const string Capture = nameof(CapturePayment);
        public const string Void = nameof(VoidPayment);
        public const string VoidAbandoned = nameof(VoidAbandonedPayments);
        public const string Refund = nameof(RefundPayment);
        public const string Commit = nameof(CommitStock);
        public const string Release = nameof(ReleaseStock);
        public const string Restock = nameof(RestockOrder);
        public const string ReturnCoupon = nameof(OrderLifecycle.Activities.ReturnCoupon);
        public const string CreateShipment = nameof(OrderLifecycle.Activities.CreateShipment);
        public const string Record = nameof(RecordOrderStep);
    }

    private Task<(IAsyncDisposable Engine, DurableTaskClient Client)> StartAsync(Script script)
    {
        void Add(DurableTaskRegistry r, string name, Func<object?, object?> act) =>
            r.AddActivityFunc<System.Text.Json.JsonElement?, object?>(name, Task<object?> (_, input) =>
            {
                script.Calls.Enqueue(name == Names.Record
                    ? $"{name}:{string.Join("+", input!.Value.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()))}"
                    : name);
                return Task.FromResult(act(input));
            });

        return StartEngineAsync(r =>
        {
            r.AddOrchestrator<OrderLifecycleOrchestrator>(OrderLifecycleOrchestrator.Name);
            Add(r, Names.Validate, _ => script.ValidationBreaks
                ? throw new PaymentDeclinedException("validation broke")
                : new ValidationOutcome(script.Valid, script.Valid ? null : "product archived"));
            Add(r, Names.Reserve, _ => new ReservationOutcome(script.InStock, script.InStock ? null : "SKU-1"));
            Add(r, Names.AssessRisk, _ =>
            {
                script.RiskGate?.Task.Wait(TimeSpan.FromSeconds(30));
                return new RiskOutcome(script.RiskApproved, script.RiskApproved ? null : "deny list");
            });
            Add(r, Names.Authorize, _ =>
            {
                var attempt = Interlocked.Increment(ref script.AuthorizeAttempts);
                return script.Authorizations[Math.Min(attempt, script.Authorizations.Length) - 1] switch
                {
                    "ok" => new PaymentAuthorization("sandbox-a", "auth-1", false, null),
                    "ok-after-lost-answer" => new PaymentAuthorization("sandbox-b", "auth-2", false, null, Unanswered: true),
                    "pending" => new PaymentAuthorization("sandbox-a", "auth-1", true, null),
                    "soft" => throw new PaymentRetryableException("insufficient_funds"),
                    _ => throw new PaymentDeclinedException("stolen_card"),
                };
            });
            Add(r, Names.VoidAbandoned, input =>
            {
                script.AbandonedKept.Enqueue(((System.Text.Json.JsonElement)input!).TryGetProperty("keep", out var keep) ? keep.GetString() ?? "" : "");
                return 0;
            });
            Add(r, Names.Capture, _ => script.CaptureFails ? throw new PaymentDeclinedException("capture refused") : true);
            Add(r, Names.Commit, _ => script.StockCommits);
            Add(r, Names.CreateShipment, _ => "shp-1");
            foreach (var name in new[] { Names.Void, Names.Refund, Names.Release, Names.Restock, Names.ReturnCoupon, Names.Record })
                Add(r, name, _ => true);
        });
    }

    private static OrderLifecycleInput Order(string id, LifecycleTimings? timings = null, string method = "pm_card_visa", string? coupon = null) =>
        new(id, "c-1", [new OrderLine("SKU-1", "Lamp", 2, 10m, 20m)], 20m, "GBP", method, DateTimeOffset.UtcNow, timings ?? Fast, coupon);

    private static async Task<OrderLifecycleResult> RunAsync(DurableTaskClient client, OrderLifecycleInput input)
    {
        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true, timeout.Token);
        Assert.True(done.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{done.RuntimeStatus}: {done.FailureDetails}");
        return done.ReadOutputAs<OrderLifecycleResult>()!;
    }

    private static List<string> Compensations(Script script) =>
        script.Calls.Where(c => c is Names.Void or Names.Refund or Names.Release or Names.Restock or Names.ReturnCoupon).ToList();

    [Fact]
    public async Task A_good_order_goes_through_every_step_in_order_and_completes()
    {
        var script = new Script();
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        var result = await RunAsync(client, Order("o-happy"));

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Completed, null), result);
        Assert.Empty(script.AbandonedKept);
        Assert.Equal(
        [
            Names.Validate, Names.Reserve, Names.AssessRisk, Names.Authorize, Names.Capture,
            Names.Commit, Names.CreateShipment, "RecordOrderStep:shipped+delivered+completed",
        ], script.Calls);
    }

    [Fact]
    public async Task An_invalid_order_is_cancelled_without_touching_stock()
    {
        var script = new Script { Valid = false };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.InvalidOrder), await RunAsync(client, Order("o-invalid")));
        Assert.DoesNotContain(Names.Reserve, script.Calls);
    }

    [Fact]
    public async Task Missing_stock_cancels_as_out_of_stock_with_nothing_to_undo()
    {
        var script = new Script { InStock = false };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.OutOfStock), await RunAsync(client, Order("o-stock")));
        Assert.Empty(Compensations(script));
        Assert.DoesNotContain(Names.Authorize, script.Calls);
    }

    [Fact]
    public async Task A_risk_denial_releases_the_reservation()
    {
        var script = new Script { RiskApproved = false };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.RiskDenied), await RunAsync(client, Order("o-risk")));
        Assert.Equal([Names.Release], Compensations(script));
    }

    [Fact]
    public async Task A_hard_decline_is_tried_once_and_releases_the_reservation()
    {
        var script = new Script { Authorizations = ["hard"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.PaymentDeclined), await RunAsync(client, Order("o-hard")));
        Assert.Equal(1, script.AuthorizeAttempts);
        Assert.Equal([Names.Release], Compensations(script));
        Assert.Equal([""], script.AbandonedKept);
    }

    [Fact]
    public async Task An_authorization_after_a_lost_answer_voids_what_the_lost_call_left_and_keeps_its_own()
    {
        var script = new Script { Authorizations = ["ok-after-lost-answer"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(OrderStatus.Completed, (await RunAsync(client, Order("o-lost"))).Status);
        Assert.Equal(["auth-2"], script.AbandonedKept);
        Assert.True(script.Calls.ToList().IndexOf(Names.VoidAbandoned) < script.Calls.ToList().IndexOf(Names.Capture));
    }

    [Fact]
    public async Task Soft_declines_are_retried_until_one_goes_through()
    {
        var script = new Script { Authorizations = ["soft", "soft", "ok"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(OrderStatus.Completed, (await RunAsync(client, Order("o-soft"))).Status);
        Assert.Equal(3, script.AuthorizeAttempts);
    }

    [Fact]
    public async Task Soft_declines_that_never_clear_end_as_declined_after_the_attempt_limit()
    {
        var script = new Script { Authorizations = ["soft"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.PaymentDeclined), await RunAsync(client, Order("o-never")));
        Assert.Equal(4, script.AuthorizeAttempts);
        Assert.Equal([Names.Release], Compensations(script));
    }

    [Fact]
    public async Task A_pending_payment_confirmed_in_time_completes()
    {
        var script = new Script { Authorizations = ["pending"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-bank", Fast with { PaymentDeadline = TimeSpan.FromSeconds(30) }, "pm_bank_transfer");

        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.Authorize);
        await client.RaiseEventAsync(input.OrderId, OrderEvents.PaymentConfirmed, new PaymentNotice("evt-1", null));
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true);

        Assert.Equal(OrderStatus.Completed, done.ReadOutputAs<OrderLifecycleResult>()!.Status);
        Assert.Contains("RecordOrderStep:payment-confirmed", script.Calls);
    }

    [Fact]
    public async Task An_unpaid_pending_payment_is_cancelled_at_its_deadline_and_undone()
    {
        var script = new Script { Authorizations = ["pending"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.PaymentTimeout), await RunAsync(client, Order("o-late", method: "pm_bank_transfer")));
        Assert.Equal([Names.Void, Names.Release], Compensations(script));
    }

    [Fact]
    public async Task A_failed_capture_voids_and_releases()
    {
        var script = new Script { CaptureFails = true };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.PaymentDeclined), await RunAsync(client, Order("o-capture")));
        Assert.Equal([Names.Void, Names.Release], Compensations(script));
        Assert.DoesNotContain(Names.Commit, script.Calls);
    }

    [Fact]
    public async Task A_customer_cancel_before_shipment_refunds_and_restocks()
    {
        var script = new Script();
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-cancel", Fast with { AutoFulfilment = false });

        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.CreateShipment);
        await client.RaiseEventAsync(input.OrderId, OrderEvents.CancelRequested, new CancelNotice("c-1", ByShop: false));
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true);

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.CustomerCancelled), done.ReadOutputAs<OrderLifecycleResult>());
        Assert.Equal([Names.Refund, Names.Restock], Compensations(script));
    }

    [Fact]
    public async Task Shipment_and_delivery_events_complete_a_manually_fulfilled_order()
    {
        var script = new Script();
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-ship", Fast with { AutoFulfilment = false });

        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.CreateShipment);
        await client.RaiseEventAsync(input.OrderId, OrderEvents.Shipped, "track-1");
        await WaitForCallAsync(script, "RecordOrderStep:shipped");
        await client.RaiseEventAsync(input.OrderId, OrderEvents.CancelRequested, new CancelNotice("c-1", ByShop: false));
        await client.RaiseEventAsync(input.OrderId, OrderEvents.Delivered, "signed");
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true);

        Assert.Equal(OrderStatus.Completed, done.ReadOutputAs<OrderLifecycleResult>()!.Status);
        Assert.Empty(Compensations(script));
    }

    [Fact]
    public async Task A_cancel_that_arrives_while_a_step_runs_is_honoured_when_the_step_ends_and_undoes_it()
    {
        var script = new Script { RiskGate = new TaskCompletionSource() };
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-cancel-mid-step");

        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.AssessRisk);
        await client.RaiseEventAsync(input.OrderId, OrderEvents.CancelRequested, new CancelNotice("c-1", ByShop: false));
        await WaitUntilReceivedAsync(client, input.OrderId, OrderEvents.CancelRequested);
        script.RiskGate.SetResult();
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true);

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.CustomerCancelled), done.ReadOutputAs<OrderLifecycleResult>());
        Assert.Equal([Names.Release], Compensations(script));
        Assert.DoesNotContain(Names.Authorize, script.Calls);
    }

    [Fact]
    public async Task The_shop_cancelling_a_paid_order_refunds_restocks_and_gives_the_coupon_back()
    {
        var script = new Script();
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-shop-cancel", Fast with { AutoFulfilment = false }, coupon: "WELCOME10");

        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.CreateShipment);
        await client.RaiseEventAsync(input.OrderId, OrderEvents.CancelRequested, new CancelNotice("ops", ByShop: true));
        var done = await client.WaitForInstanceCompletionAsync(input.OrderId, true);

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.ShopCancelled), done.ReadOutputAs<OrderLifecycleResult>());
        Assert.Equal([Names.Refund, Names.Restock, Names.ReturnCoupon], Compensations(script));
    }

    [Fact]
    public async Task Stock_that_cannot_be_committed_after_the_capture_is_refunded_and_the_order_cancelled_as_out_of_stock()
    {
        var script = new Script { StockCommits = false };
        var (app, client) = await StartAsync(script);
        await using var _ = app;

        Assert.Equal(new OrderLifecycleResult(OrderStatus.Cancelled, CancellationReasons.OutOfStock), await RunAsync(client, Order("o-lapsed")));
        Assert.Equal([Names.Refund], Compensations(script));
        Assert.DoesNotContain(Names.CreateShipment, script.Calls);
    }

    [Fact]
    public async Task Starting_an_order_again_never_restarts_a_lifecycle_that_failed()
    {
        var script = new Script { ValidationBreaks = true };
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-failed");
        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        var failed = await client.WaitForInstanceCompletionAsync(input.OrderId);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, failed.RuntimeStatus);

        await OrderLifecycleStarter.StartAsync(client, Placed(input), Fast);

        var after = await client.GetInstanceAsync(input.OrderId);
        Assert.Equal((OrchestrationRuntimeStatus.Failed, failed.CreatedAt), (after!.RuntimeStatus, after.CreatedAt));
        Assert.Single(script.Calls, Names.Validate);
    }

    [Fact]
    public async Task Starting_an_order_again_never_restarts_a_lifecycle_that_was_terminated()
    {
        var script = new Script { Authorizations = ["pending"] };
        var (app, client) = await StartAsync(script);
        await using var _ = app;
        var input = Order("o-terminated", Fast with { PaymentDeadline = TimeSpan.FromMinutes(5) }, "pm_bank_transfer");
        await client.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name, input, new StartOrchestrationOptions(input.OrderId));
        await WaitForCallAsync(script, Names.Authorize);
        await client.TerminateInstanceAsync(input.OrderId, "stopped by an operator");
        var terminated = await client.WaitForInstanceCompletionAsync(input.OrderId);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);

        await OrderLifecycleStarter.StartAsync(client, Placed(input), Fast);

        var after = await client.GetInstanceAsync(input.OrderId);
        Assert.Equal((OrchestrationRuntimeStatus.Terminated, terminated.CreatedAt), (after!.RuntimeStatus, after.CreatedAt));
        Assert.Single(script.Calls, Names.Validate);
    }

    /// <summary>The stored order a lifecycle input was made from, as checkout or the stalled-checkout sweep would start it.</summary>
    private static Order Placed(OrderLifecycleInput input) => new()
    {
        Id = input.OrderId, CustomerId = input.CustomerId, Status = OrderStatus.Placed, Currency = input.Currency, Lines = input.Lines,
        Total = input.Total, PaymentMethod = input.PaymentMethod, PlacedAt = input.PlacedAt,
    };

    private static async Task WaitForCallAsync(Script script, string call)
    {
        for (var i = 0; i < 600 && !script.Calls.Contains(call); i++)
            await Task.Delay(50);
        Assert.Contains(call, script.Calls);
    }
}

/// <summary>The scenarios on the project's engine, on the storage the settings select.</summary>
public abstract class ProjectEngineOrderLifecycleScenarioTests : OrderLifecycleScenarioTests
{
    /// <summary>Settings that select the storage backend.</summary>
    protected abstract IReadOnlyDictionary<string, string> BackendSettings { get; }

    protected override async Task<(IAsyncDisposable Engine, DurableTaskClient Client)> StartEngineAsync(Action<DurableTaskRegistry> register)
    {
        var settings = new Dictionary<string, string>(BackendSettings) { ["Queues:MaxPollingInterval"] = "00:00:00.200" };
        var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, settings, configure: b => b.AddDurableTask(register));
        return (app, app.Services.GetRequiredService<DurableTaskClient>());
    }

    protected override Task WaitUntilReceivedAsync(DurableTaskClient client, string instanceId, string eventName) =>
        Poll.UntilAsync(() => client.GetOrchestrationHistoryAsync(instanceId),
            history => history.OfType<global::DurableTask.Core.History.EventRaisedEvent>().Any(e => e.Name == eventName), TimeSpan.FromSeconds(30),
            $"{instanceId} to take in {eventName}", describe: history => $"history [{string.Join(", ", history.Select(e => e.EventType))}]");
}

public sealed class EmbeddedOrderLifecycleScenarioTests : ProjectEngineOrderLifecycleScenarioTests
{
    protected override IReadOnlyDictionary<string, string> BackendSettings { get; } = new Dictionary<string, string> { ["Storage:Preset"] = "embedded" };
}

/// <summary>The same scenarios on Cosmos DB (cosmosdb-server) and Azure Storage queues and blobs (Azurite).</summary>
public sealed class AzureOrderLifecycleScenarioTests(Commerce.Testing.Emulators.AzuriteFixture azurite, Commerce.Testing.Emulators.CosmosDbServerFixture cosmos)
    : ProjectEngineOrderLifecycleScenarioTests, IClassFixture<Commerce.Testing.Emulators.AzuriteFixture>, IClassFixture<Commerce.Testing.Emulators.CosmosDbServerFixture>
{
    protected override IReadOnlyDictionary<string, string> BackendSettings => new Dictionary<string, string>
    {
        ["Storage:Preset"] = "azure",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["CosmosDb"] = cosmos.ConnectionString + "DisableServerCertificateValidation=true;",
        ["Storage:CosmosDatabase"] = $"orders{Guid.NewGuid():N}"[..20],
    };
}

/// <summary>The same scenarios on Microsoft's engine (DurableTask.Core in DurableTaskTestHost).</summary>
public sealed class DurableTaskTestHostOrderLifecycleScenarioTests : OrderLifecycleScenarioTests
{
    protected override async Task<(IAsyncDisposable Engine, DurableTaskClient Client)> StartEngineAsync(Action<DurableTaskRegistry> register)
    {
        var host = await Commerce.Durable.Tests.MicrosoftEngine.StartAsync(register);
        return (host, host.Client);
    }
}
