using System.Net;
using System.Text;
using Commerce.Events.Outbox;
using Commerce.Events.Relay;
using Commerce.Events.Webhooks;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Functions.Tests.Webhooks;

/// <summary>Deliveries to a real local HTTP receiver, on SQLite stores, with a clock the test moves.</summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private readonly TempDirectory _data = new("webhooks");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 9, 0, 0, TimeSpan.Zero));
    private SqliteDatabase _documents = null!;
    private SqliteDatabase _queues = null!;
    private PartnerReceiver _receiver = null!;
    private WebhookSubscriptions _subscriptions = null!;

    public async Task InitializeAsync()
    {
        _documents = new SqliteDatabase(Path.Combine(_data.Path, "documents.db"));
        _queues = new SqliteDatabase(Path.Combine(_data.Path, "queues.db"));
        _subscriptions = new WebhookSubscriptions(new SqliteDocumentStore(_documents));
        _receiver = await PartnerReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _documents.Dispose();
        _queues.Dispose();
        _data.Dispose();
    }

    private WebhookDeliveries Deliveries(bool allowPrivate = true) => new(_subscriptions, new SqliteDocumentStore(_documents), new SqliteQueueStore(_queues, _time),
        new PartnerAddresses(allowPrivate), WebhookOptions.Default(allowPrivate), _time, NullLogger<WebhookDeliveries>.Instance);

    private async Task<WebhookSubscription> SubscribeAsync(params string[] types)
    {
        var subscription = new WebhookSubscription("wh-" + Guid.NewGuid().ToString("N"), _receiver.Url, types, Secret, _time.GetUtcNow());
        await _subscriptions.AddAsync(subscription);
        return subscription;
    }

    private IntegrationMessage Paid(string orderId) => new IntegrationEventFormat(new Uri("urn:commerce")).ToMessage(new SystemEvent
    {
        Id = $"order:{orderId}:paid", Type = SystemEventTypes.OrderPaid, Subject = $"order:{orderId}", Sequence = 4, Time = _time.GetUtcNow(), OrderId = orderId, Amount = 9.5m, Currency = "GBP",
    });

    /// <summary>The due messages the fan-out queued.</summary>
    private async Task<List<WebhookDeliveryDue>> QueuedAsync()
    {
        var queue = await new SqliteQueueStore(_queues, _time).GetQueueAsync(WebhookDeliveries.Queue);
        var messages = await queue.DequeueAsync(32, TimeSpan.FromDays(30));
        return [.. messages.Select(m => System.Text.Json.JsonSerializer.Deserialize<WebhookDeliveryDue>(m.Body, Commerce.Storage.Documents.DocumentJson.Options)!)];
    }

    [Fact]
    public async Task An_event_goes_once_to_each_subscription_that_wants_its_type_signed_as_standard_webhooks()
    {
        var wanted = await SubscribeAsync(SystemEventTypes.OrderPaid);
        var other = await SubscribeAsync(SystemEventTypes.StockOut);
        var everything = await SubscribeAsync(WebhookSubscription.AllTypes);
        using var deliveries = Deliveries();
        var message = Paid("o-1");

        await deliveries.PublishAsync([message]);
        foreach (var d in await QueuedAsync())
            Assert.Equal(DeliveryStatus.Delivered, (await deliveries.AttemptAsync(d))!.Status);
        // The relay repeats a publish after a crash: the deliveries exist and are done, so nothing goes out again.
        await deliveries.PublishAsync([message]);
        var repeated = await QueuedAsync();

        Assert.Empty(repeated);
        Assert.Empty(await deliveries.LogAsync(other.Id, 10));
        Assert.Single(await deliveries.LogAsync(everything.Id, 10));
        Assert.Equal(2, _receiver.Requests.Count);
        Assert.All(_receiver.Requests, request =>
        {
            Assert.Equal("order:o-1:paid", request.Id);
            Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), request.Timestamp);
            Assert.Equal(PartnerReceiver.ExpectedSignature(Secret, request), request.Signature);
            Assert.Equal(Encoding.UTF8.GetString(message.Body.Span), request.Body);
            Assert.Equal("application/cloudevents+json; charset=utf-8", request.ContentType);
        });
        var log = Assert.Single(await deliveries.LogAsync(wanted.Id, 10));
        Assert.Equal((DeliveryStatus.Delivered, 200), (log.Status, Assert.Single(log.Attempts).StatusCode));
    }

    [Fact]
    public async Task A_failing_partner_is_retried_with_doubling_waits_for_24_hours_then_dead_lettered_and_a_redeliver_starts_again()
    {
        var subscription = await SubscribeAsync(WebhookSubscription.AllTypes);
        using var deliveries = Deliveries();
        _receiver.Status = 503;
        await deliveries.PublishAsync([Paid("o-2")]);
        var due = Assert.Single(await QueuedAsync());
        var start = _time.GetUtcNow();

        var waits = new List<TimeSpan>();
        WebhookDelivery delivery;
        while (true)
        {
            delivery = (await deliveries.AttemptAsync(due))!;
            if (delivery.Status != DeliveryStatus.Pending)
                break;
            waits.Add(delivery.NextAttemptAt!.Value - _time.GetUtcNow());
            _time.SetUtcNow(delivery.NextAttemptAt.Value);
        }

        // The schedule counted here: 5 s, doubling, at most 2 h apart, while the next try falls within 24 h of the first.
        var expected = new List<TimeSpan>();
        var (elapsed, wait) = (TimeSpan.Zero, TimeSpan.FromSeconds(5));
        while (elapsed + wait <= TimeSpan.FromHours(24))
        {
            expected.Add(wait);
            elapsed += wait;
            wait = wait * 2 > TimeSpan.FromHours(2) ? TimeSpan.FromHours(2) : wait * 2;
        }
        Assert.Equal(expected, waits);
        Assert.Equal(DeliveryStatus.DeadLettered, delivery.Status);
        Assert.Equal(expected.Count + 1, delivery.Attempts.Count);
        Assert.Equal(expected.Count + 1, _receiver.Requests.Count);
        Assert.All(delivery.Attempts, a => Assert.Equal(503, a.StatusCode));
        Assert.True(_time.GetUtcNow() - start <= TimeSpan.FromHours(24));
        // A dead-lettered delivery is not tried again by a stray message.
        Assert.Equal(DeliveryStatus.DeadLettered, (await deliveries.AttemptAsync(due))!.Status);
        Assert.Equal(expected.Count + 1, _receiver.Requests.Count);

        // Each failure but the last queued the next attempt, delayed.
        Assert.Equal(expected.Count, (await QueuedAsync()).Count);

        _receiver.Status = 204;
        Assert.Equal(DeliveryStatus.Pending, (await deliveries.RedeliverAsync(subscription.Id, delivery.Id))!.Status);
        var again = (await deliveries.AttemptAsync(Assert.Single(await QueuedAsync())))!;

        Assert.Equal(DeliveryStatus.Delivered, again.Status);
        Assert.Equal(expected.Count + 2, again.Attempts.Count);
        Assert.Equal(expected.Count + 2, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task Outside_development_a_delivery_to_a_loopback_address_is_refused_on_connecting_and_the_partner_gets_nothing()
    {
        await SubscribeAsync(WebhookSubscription.AllTypes);
        using var deliveries = Deliveries(allowPrivate: false);
        await deliveries.PublishAsync([Paid("o-3")]);

        var delivery = (await deliveries.AttemptAsync(Assert.Single(await QueuedAsync())))!;

        var attempt = Assert.Single(delivery.Attempts);
        Assert.Null(attempt.StatusCode);
        Assert.Contains("private and loopback addresses are refused", attempt.Error);
        Assert.Equal(DeliveryStatus.Pending, delivery.Status);
        Assert.Empty(_receiver.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("192.168.1.10", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700:4700::1111", true)]
    public void Only_public_addresses_are_partner_addresses(string address, bool isPublic) =>
        Assert.Equal(isPublic, PartnerAddresses.IsPublic(IPAddress.Parse(address)));
}
