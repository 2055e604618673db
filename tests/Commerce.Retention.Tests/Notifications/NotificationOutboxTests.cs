using Commerce.Catalog.Customers;
using Commerce.Events.Outbox;
using Commerce.Retention.Notifications;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Tests.Notifications;

/// <summary>The outbox on real SQLite stores, with providers that record every send call and a clock moved by hand.</summary>
public sealed class NotificationOutboxTests : IAsyncLifetime, IDisposable
{
    // A Tuesday noon in London (GMT until 29 March 2026).
    private static readonly DateTimeOffset Noon = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly RetentionStores _stores = new(Noon);

    public async Task InitializeAsync()
    {
        foreach (var id in new[] { "ann", "bob" })
        {
            await _stores.Customers.AddAsync(new Customer { Id = id, Email = $"{id}@example.com", CreatedAt = Noon });
            await _stores.Store.PutPreferencesAsync(new NotificationPreferences(id) { Phone = "+447700900123" });
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _stores.Dispose();

    private static NotificationRequest Offer(string key, string customer = "ann") =>
        new(key, customer, NotificationCategory.Marketing, "coupon", new NotificationContent("Come back", "10% off your next order.") { OfferCode = "R" + key.ToUpperInvariant(), OfferExpiresAt = Noon.AddDays(14) });

    private static NotificationRequest OrderShipped(string order, string customer = "ann") =>
        new($"order:{order}:shipped", customer, NotificationCategory.Transactional, "order_shipped", new NotificationContent("Your order is on its way", $"Order {order} has shipped."));

    [Fact]
    public async Task One_offer_is_one_message_on_each_channel_with_the_same_code_and_asking_again_sends_nothing_more()
    {
        var first = await _stores.Outbox.SendAsync(Offer("spring"));
        // One queue message delivers every channel of the notification.
        Assert.Equal(1, await _stores.DeliverDueAsync());
        var again = await _stores.Outbox.SendAsync(Offer("spring"));
        await _stores.DeliverDueAsync();

        Assert.Equal(first.Id, again.Id);
        var email = Assert.Single(_stores.Email.Calls);
        var sms = Assert.Single(_stores.Sms.Calls);
        Assert.Contains("RSPRING", email.Body);
        Assert.Contains("RSPRING", sms.Body);
        Assert.Equal("ann@example.com", email.To);
        var (inbox, _) = await _stores.Store.InboxAsync("ann", 10, null);
        Assert.Equal("RSPRING", Assert.Single(inbox).Content.OfferCode);
        var stored = (await _stores.Store.GetAsync("ann", first.Id))!;
        Assert.All(stored.Deliveries, d => Assert.Equal((DeliveryStatus.Sent, Noon), (d.Status, d.SentAt!.Value)));
    }

    [Fact]
    public async Task The_weekly_cap_counts_messages_across_channels_spares_order_updates_and_frees_up_after_seven_days()
    {
        await _stores.Outbox.SendAsync(Offer("one"));
        _stores.Clock.Now = Noon.AddDays(3);
        await _stores.Outbox.SendAsync(Offer("two"));
        var third = await _stores.Outbox.SendAsync(Offer("three"));
        var shipped = await _stores.Outbox.SendAsync(OrderShipped("o-1"));
        var otherCustomer = await _stores.Outbox.SendAsync(Offer("three", "bob"));

        Assert.All(third.Deliveries, d => Assert.Equal((DeliveryStatus.Suppressed, "marketing cap: 2 messages in 7 days"), (d.Status, d.Reason)));
        Assert.All(shipped.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        Assert.All(otherCustomer.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));

        // Seven days after the first, one slot is free again.
        _stores.Clock.Now = Noon.AddDays(7).AddSeconds(1);
        var fourth = await _stores.Outbox.SendAsync(Offer("four"));
        var fifth = await _stores.Outbox.SendAsync(Offer("five"));
        Assert.All(fourth.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));
        Assert.All(fifth.Deliveries, d => Assert.Equal(DeliveryStatus.Suppressed, d.Status));
    }

    [Fact]
    public async Task An_order_update_sent_twice_is_one_message()
    {
        var first = await _stores.Outbox.SendAsync(OrderShipped("o-7"));
        await _stores.DeliverDueAsync();
        var second = await _stores.Outbox.SendAsync(OrderShipped("o-7"));
        await _stores.DeliverDueAsync();
        Assert.Equal(first.Id, second.Id);
        Assert.Single(_stores.Email.Calls);
        Assert.Single(_stores.Sms.Calls);
    }

    [Fact]
    public async Task An_opted_out_channel_gets_no_marketing_but_still_gets_order_updates()
    {
        await _stores.Store.PutPreferencesAsync(new NotificationPreferences("ann") { OptedOut = [NotificationChannel.Email], Phone = "+447700900123" });
        var offer = await _stores.Outbox.SendAsync(Offer("spring"));
        var shipped = await _stores.Outbox.SendAsync(OrderShipped("o-2"));
        await _stores.DeliverDueAsync();

        var email = offer.Deliveries.Single(d => d.Channel == NotificationChannel.Email);
        Assert.Equal((DeliveryStatus.Suppressed, "opted out"), (email.Status, email.Reason));
        // The only email written is the order update.
        Assert.Contains("has shipped", Assert.Single(_stores.Email.Calls).Body);
        Assert.Equal(2, _stores.Sms.Calls.Count);
        Assert.All((await _stores.Store.GetAsync("ann", shipped.Id))!.Deliveries, d => Assert.Equal(DeliveryStatus.Sent, d.Status));
    }

    [Fact]
    public async Task Marketing_in_the_customers_quiet_hours_waits_for_their_morning_while_order_updates_go_at_once()
    {
        // 03:00 UTC is 23:00 in New York (daylight time since 8 March 2026): quiet until 08:00 there, 12:00 UTC.
        _stores.Clock.Now = new DateTimeOffset(2026, 3, 10, 3, 0, 0, TimeSpan.Zero);
        await _stores.Store.PutPreferencesAsync(new NotificationPreferences("ann") { TimeZone = "America/New_York", Phone = "+447700900123" });
        var offer = await _stores.Outbox.SendAsync(Offer("night"));
        var shipped = await _stores.Outbox.SendAsync(OrderShipped("o-3"));

        // Released at one point of the hour after the morning begins, the same for every channel.
        var due = Assert.Single(offer.Deliveries.Select(d => d.DueAt).Distinct());
        Assert.InRange(due, new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 10, 12, 59, 59, TimeSpan.Zero));
        Assert.Equal(1, await _stores.DeliverDueAsync());
        Assert.Single(_stores.Email.Calls);
        Assert.All((await _stores.Store.GetAsync("ann", offer.Id))!.Deliveries, d => Assert.Equal(DeliveryStatus.Pending, d.Status));

        _stores.Clock.Now = due - TimeSpan.FromSeconds(1);
        Assert.Equal(0, await _stores.DeliverDueAsync());
        _stores.Clock.Now = due;
        Assert.Equal(1, await _stores.DeliverDueAsync());
        Assert.Equal(2, _stores.Email.Calls.Count);
        Assert.All((await _stores.Store.GetAsync("ann", shipped.Id))!.Deliveries, d => Assert.Equal(DeliveryStatus.Sent, d.Status));
    }

    [Fact]
    public async Task A_message_whose_queue_entry_was_lost_is_found_by_the_sweep_and_sent_once()
    {
        var offer = await _stores.Outbox.SendAsync(Offer("lost"));
        var queue = await _stores.Queues.GetQueueAsync(NotificationOutbox.Queue);
        foreach (var message in await queue.DequeueAsync(32, TimeSpan.FromMinutes(1)))
            await queue.DeleteAsync(message);

        Assert.Equal(0, await _stores.Delivery.RequeueStalledAsync(TimeSpan.FromMinutes(2), CancellationToken.None));
        _stores.Clock.Now = Noon.AddMinutes(3);
        Assert.Equal(1, await _stores.Delivery.RequeueStalledAsync(TimeSpan.FromMinutes(2), CancellationToken.None));
        await _stores.DeliverDueAsync();
        Assert.Equal(0, await _stores.Delivery.RequeueStalledAsync(TimeSpan.FromMinutes(2), CancellationToken.None));
        Assert.Single(_stores.Email.Calls);
        Assert.All((await _stores.Store.GetAsync("ann", offer.Id))!.Deliveries, d => Assert.Equal(DeliveryStatus.Sent, d.Status));
    }

    [Fact]
    public async Task A_customer_without_a_phone_gets_no_sms_and_reading_a_message_marks_it_once()
    {
        await _stores.Store.PutPreferencesAsync(new NotificationPreferences("bob"));
        var offer = await _stores.Outbox.SendAsync(Offer("phoneless", "bob"));
        await _stores.DeliverDueAsync();
        Assert.Equal((DeliveryStatus.Suppressed, "no phone number"), offer.Deliveries.Where(d => d.Channel == NotificationChannel.Sms).Select(d => (d.Status, d.Reason)).Single());
        Assert.Empty(_stores.Sms.Calls);

        Assert.Null(await _stores.Delivery.MarkReadAsync("ann", offer.Id, CancellationToken.None));
        var read = await _stores.Delivery.MarkReadAsync("bob", offer.Id, CancellationToken.None);
        _stores.Clock.Now = Noon.AddHours(1);
        var again = await _stores.Delivery.MarkReadAsync("bob", offer.Id, CancellationToken.None);
        Assert.Equal(Noon, read!.ReadAt);
        Assert.Equal(Noon, again!.ReadAt);
    }

    [Fact]
    public async Task Reading_a_message_records_it_opened_once_also_when_a_crash_came_between_marking_it_read_and_recording_it()
    {
        var offer = await _stores.Outbox.SendAsync(Offer("opened") with { CampaignId = "spring" });
        await _stores.DeliverDueAsync();
        // What a crash right after the message was marked read leaves: read, and no event recorded.
        var notifications = await _stores.Store.NotificationsAsync(CancellationToken.None);
        await notifications.ChangeAsync<Notification>("ann", offer.Id, n => n! with { ReadAt = Noon }, CancellationToken.None);
        Assert.Empty(await _stores.Events.ReadAsync(NotificationEvents.Subject(offer.Id)));

        _stores.Clock.Now = Noon.AddMinutes(5);
        await _stores.Delivery.MarkReadAsync("ann", offer.Id, CancellationToken.None);
        await _stores.Delivery.MarkReadAsync("ann", offer.Id, CancellationToken.None);

        var opened = Assert.Single(await _stores.Events.ReadAsync(NotificationEvents.Subject(offer.Id)));
        Assert.Equal((SystemEventTypes.NotificationOpened, Noon, "ann", "in_app"), (opened.Type, opened.Time, opened.CustomerId, opened.Channel));
        Assert.Equal((offer.Id, "spring", "ROPENED"), (opened.NotificationId, opened.CampaignId, opened.OfferCode));
    }
}
