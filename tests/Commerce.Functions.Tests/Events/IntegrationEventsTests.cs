using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Commerce.Events.Outbox;
using Commerce.Events.Relay;
using Commerce.Functions.Tests.Checkout;
using Commerce.Storage.Queues;
using Commerce.Testing;
using Commerce.Testing.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Events;

/// <summary>System events leave the app as CloudEvents: on the commerce-events queue locally, on the Service Bus topic in Azure.</summary>
public sealed class IntegrationEventsTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly string[] PaidOrder = ["order_placed", "payment_attempted", "payment_attempted", "order_paid", "order_completed"];

    /// <summary>
    /// Every message on the embedded commerce-events queue, decoded, ordered by the sequence each carries: a storage
    /// queue is only roughly first in, first out, so consumers order one subject's events by that attribute.
    /// </summary>
    private static async Task<List<IntegrationEvent>> DrainQueueAsync(IServiceProvider services)
    {
        var queue = await services.GetRequiredService<IQueueStore>().GetQueueAsync(IntegrationEventFormat.Destination);
        var received = new List<(IntegrationEvent Event, DateTimeOffset InsertedOn)>();
        while (await queue.DequeueAsync(32, TimeSpan.FromHours(1)) is { Count: > 0 } batch)
            received.AddRange(batch.Select(m => (IntegrationEvent.Decode(Encoding.UTF8.GetBytes(m.Body)), m.InsertedOn)));
        var bySequence = received.OrderBy(r => r.Event.Subject, StringComparer.Ordinal).ThenBy(r => r.Event.Sequence).ToList();
        // The relay enqueued each subject's events one after another in recorded order.
        foreach (var subject in bySequence.GroupBy(r => r.Event.Subject))
            Assert.Equal(subject.Select(r => r.InsertedOn).Order(), subject.Select(r => r.InsertedOn));
        return bySequence.Select(r => r.Event).ToList();
    }

    [Fact]
    public async Task A_paid_and_a_declined_order_are_relayed_once_each_in_recorded_order_as_cloudevents_with_the_outbox_ids()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string> { ["IntegrationEvents:Source"] = "https://shop.example/commerce" });
        await shop.AddProductAsync("IE-1", 10m, stock: 100);
        using var buyer = shop.Customer("ie-buyer");
        var paid = await Shop.PlaceAsync(buyer, "pm_card_visa", "IE-1", 3);
        var declined = await Shop.PlaceAsync(buyer, "pm_card_chargeDeclined", "IE-1", 1);
        await Shop.WaitForStatusAsync(buyer, paid, "Completed");
        await Shop.WaitForStatusAsync(buyer, declined, "Cancelled");

        var relay = shop.App.Services.GetRequiredKeyedService<EventRelay>(OutboxConsumers.Relay);
        await relay.DrainAsync();
        var received = await DrainQueueAsync(shop.App.Services);
        var again = await relay.DrainAsync();

        Assert.Equal(0, again.Events);
        var outbox = shop.App.Services.GetRequiredService<EventOutbox>();
        foreach (var id in new[] { paid, declined })
        {
            var recorded = await outbox.ReadAsync($"order:{id}");
            var relayed = received.Where(e => e.Subject == $"order:{id}").ToList();
            Assert.Equal(recorded.Select(r => r.Id), relayed.Select(e => e.Id));
            Assert.Equal(Enumerable.Range(1, recorded.Count).Select(i => (long)i), relayed.Select(e => e.Sequence));
            Assert.All(relayed, e =>
            {
                Assert.Equal("1.0", e.SpecVersion);
                Assert.Equal("https://shop.example/commerce", e.Source);
                Assert.Equal(id, e.Data.OrderId);
                Assert.Equal("com.commerce." + e.Data.Type, e.Type);
            });
        }
        var paidEvents = received.Where(e => e.Subject == $"order:{paid}").ToList();
        Assert.Equal(PaidOrder.Select(t => "com.commerce." + t), paidEvents.Select(e => e.Type));
        Assert.Equal(30m, paidEvents[0].Data.Amount);
        Assert.Equal("GBP", paidEvents[0].Data.Currency);
        var cancelled = received.Single(e => e.Subject == $"order:{declined}" && e.Type == "com.commerce.order_cancelled");
        Assert.Equal("payment_declined", cancelled.Data.Reason);
    }

    [Fact]
    public async Task Stock_falling_to_the_low_stock_level_through_a_checkout_and_an_adjustment_reaches_the_queue_as_stock_low_cloudevents()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string> { ["Inventory:LowStockThreshold"] = "5" });
        await shop.AddProductAsync("SL-1", 10m, stock: 8);
        using var buyer = shop.Customer("sl-buyer");
        using var admin = shop.Admin();

        // 8 -> 4 by an order, back up to 14 by a delivery, 14 -> 4 by a stock count: two falls to the level of 5.
        var order = await Shop.PlaceAsync(buyer, "pm_card_visa", "SL-1", 4);
        await Shop.WaitForStatusAsync(buyer, order, "Completed");
        (await admin.PostAsJsonAsync("/api/inventory/SL-1/adjustments", new { delta = 10, reason = "delivery" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/inventory/SL-1/adjustments", new { delta = -1, reason = "breakage" })).EnsureSuccessStatusCode();
        var counted = await admin.PostAsJsonAsync("/api/inventory/SL-1/adjustments", new { delta = -9, reason = "stock count" });
        var view = (await counted.Content.ReadFromJsonAsync<JsonObject>())!;

        var relay = shop.App.Services.GetRequiredKeyedService<EventRelay>(OutboxConsumers.Relay);
        await relay.DrainAsync();
        var received = await DrainQueueAsync(shop.App.Services);
        var again = await relay.DrainAsync();

        Assert.Equal((4, 5, true), ((int)view["available"]!, (int)view["lowStockThreshold"]!, (bool)view["lowStock"]!));
        Assert.Equal(0, again.Events);
        var recorded = (await shop.App.Services.GetRequiredService<EventOutbox>().ReadAsync("sku:SL-1")).Where(e => e.Type == SystemEventTypes.StockLow).ToList();
        var relayed = received.Where(e => e.Type == "com.commerce.stock_low").ToList();
        Assert.Equal(2, relayed.Count);
        Assert.Equal(recorded.Select(r => r.Id), relayed.Select(e => e.Id));
        Assert.All(relayed, e =>
        {
            Assert.Equal(("sku:SL-1", "SL-1", 4, 5), (e.Subject, e.Data.Sku, e.Data.Quantity!.Value, e.Data.Threshold!.Value));
            Assert.Equal("1.0", e.SpecVersion);
        });
    }

    [Fact]
    public async Task Experiment_exposures_stay_inside_the_system_while_a_model_promotion_beside_them_is_relayed_with_its_versions()
    {
        await using var shop = await Shop.OpenAsync();
        var outbox = shop.App.Services.GetRequiredService<EventOutbox>();
        var at = DateTimeOffset.UtcNow;
        await outbox.RecordAsync("experiment:x:c1", [new SystemEvent
        {
            Id = "exposure-x-c1", Type = SystemEventTypes.ExperimentExposed, Subject = "experiment:x:c1", Time = at, CustomerId = "c1", Experiment = "x", Variant = "b",
        }]);
        await outbox.RecordAsync("model:k", [new SystemEvent
        {
            Id = "model:k:promoted:v2:1", Type = SystemEventTypes.ModelPromoted, Subject = "model:k", Time = at, From = "v1", To = "v2", Reason = "rollback",
        }]);

        var relay = shop.App.Services.GetRequiredKeyedService<EventRelay>(OutboxConsumers.Relay);
        await relay.DrainAsync();
        var received = await DrainQueueAsync(shop.App.Services);

        var promoted = Assert.Single(received);
        Assert.Equal(("com.commerce.model_promoted", "model:k", 1L), (promoted.Type, promoted.Subject, promoted.Sequence));
        Assert.Equal(("v1", "v2", "rollback"), (promoted.Data.From, promoted.Data.To, promoted.Data.Reason));
        Assert.Empty(await outbox.PendingAsync(OutboxConsumers.Relay, 10));
        Assert.Equal(0, (await relay.DrainAsync()).Events);
    }

    [Fact]
    public async Task On_the_azurite_preset_the_relay_publishes_to_the_commerce_events_storage_queue_in_azurite()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Storage:Preset"] = "azurite",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
        });
        await shop.AddProductAsync("IE-AZ", 5m, stock: 10);
        using var buyer = shop.Customer("ie-azurite");
        var id = await Shop.PlaceAsync(buyer, "pm_card_visa", "IE-AZ", 2);
        await Shop.WaitForStatusAsync(buyer, id, "Completed");

        await shop.App.Services.GetRequiredKeyedService<EventRelay>(OutboxConsumers.Relay).DrainAsync();

        // Read with the Azure SDK straight from Azurite, as a downstream consumer would.
        var queue = new QueueClient(azurite.ConnectionString, IntegrationEventFormat.Destination);
        var received = new List<IntegrationEvent>();
        while ((await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value is { Length: > 0 } batch)
            received.AddRange(batch.Select(m => IntegrationEvent.Decode(m.Body.ToArray())));
        var relayed = received.Where(e => e.Data.OrderId == id).OrderBy(e => e.Sequence).ToList();
        Assert.Equal([1L, 2L, 3L, 4L, 5L], relayed.Select(e => e.Sequence));
        Assert.Equal(PaidOrder.Select(t => "com.commerce." + t), relayed.Select(e => e.Type));
        Assert.Equal(relayed.Select(e => e.Id).Distinct(), relayed.Select(e => e.Id));
        Assert.Equal(10m, relayed[0].Data.Amount);
    }

    [Fact]
    public async Task On_service_bus_each_event_is_a_message_with_the_event_id_its_type_as_subject_and_the_order_as_correlation_id()
    {
        var format = new IntegrationEventFormat(new Uri("urn:commerce"));
        var placed = new SystemEvent
        {
            Id = "order_placed:o-42", Type = SystemEventTypes.OrderPlaced, Subject = "order:o-42", Sequence = 1, Time = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero),
            OrderId = "o-42", CustomerId = "c-7", Amount = 12.34m, Currency = "EUR",
        };
        var paid = placed with { Id = "order_paid:o-42", Type = SystemEventTypes.OrderPaid, Sequence = 2 };
        var stockOut = new SystemEvent { Id = "stock_out:x", Type = SystemEventTypes.StockOut, Subject = "sku:X", Sequence = 1, Time = placed.Time, Sku = "X", Quantity = 3 };
        var sender = new CapturingSender();

        await new ServiceBusEventPublisher(sender).PublishAsync([format.ToMessage(placed), format.ToMessage(paid)]);
        await new ServiceBusEventPublisher(sender).PublishAsync([format.ToMessage(stockOut)]);

        // What a subscriber receives: the sent AMQP message as the SDK hands it to a receiver.
        var received = sender.Sent.Select(m => ServiceBusReceivedMessage.FromAmqpMessage(m.GetRawAmqpMessage(), BinaryData.FromString("lock"))).ToList();
        Assert.Equal(["order_placed:o-42", "order_paid:o-42", "stock_out:x"], received.Select(m => m.MessageId));
        Assert.Equal(["com.commerce.order_placed", "com.commerce.order_paid", "com.commerce.stock_out"], received.Select(m => m.Subject));
        Assert.Equal(["o-42", "o-42", null], received.Select(m => m.CorrelationId));
        Assert.All(received, m => Assert.Equal("application/cloudevents+json; charset=utf-8", m.ContentType));
        var first = IntegrationEvent.Decode(received[0].Body.ToArray());
        Assert.Equal(("order_placed:o-42", "urn:commerce", "order:o-42", 1L), (first.Id, first.Source, first.Subject, first.Sequence));
        Assert.Equal((12.34m, "EUR", "c-7"), (first.Data.Amount, first.Data.Currency, first.Data.CustomerId));
        Assert.Equal(placed.Time, first.Time);
        Assert.Equal(2, sender.Sends);
        // The model factory builds what a receiver gets from the broker; the same decoding reads it.
        var fromBroker = ServiceBusModelFactory.ServiceBusReceivedMessage(received[2].Body, messageId: "stock_out:x", subject: "com.commerce.stock_out");
        Assert.Equal(("X", 3), (IntegrationEvent.Decode(fromBroker.Body.ToArray()).Data.Sku, IntegrationEvent.Decode(fromBroker.Body.ToArray()).Data.Quantity));
    }

    private sealed class CapturingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];
        public int Sends { get; private set; }

        public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default)
        {
            Sends++;
            Sent.AddRange(messages);
            return Task.CompletedTask;
        }
    }
}
