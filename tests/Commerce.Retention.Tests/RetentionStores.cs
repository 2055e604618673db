using System.Collections.Concurrent;
using Commerce.Catalog.Customers;
using Commerce.Events.Outbox;
using Commerce.Retention.Notifications;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Retention.Tests;

/// <summary>A clock the test moves by hand.</summary>
public sealed class Clock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// An email or SMS provider that keeps every call it gets, repeats included: a real provider (and the development
/// folder one) takes a message's id as an idempotency key, which would hide a second send.
/// </summary>
public sealed class RecordingSender(NotificationChannel channel) : IMessageSender
{
    private readonly ConcurrentQueue<OutgoingMessage> _calls = new();

    public NotificationChannel Channel => channel;

    public IReadOnlyList<OutgoingMessage> Calls => [.. _calls];

    public Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        _calls.Enqueue(message);
        return Task.CompletedTask;
    }
}

/// <summary>Real SQLite documents and queues in a temporary folder, with the notification outbox on top and providers that record every send.</summary>
public sealed class RetentionStores : IDisposable
{
    private readonly TempDirectory _folder = new("retention");
    private readonly SqliteDatabase _documents;
    private readonly SqliteDatabase _queues;

    public RetentionStores(DateTimeOffset now, NotificationSettings? settings = null)
    {
        Clock = new Clock(now);
        _documents = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        _queues = new SqliteDatabase(Path.Combine(_folder.Path, "queues.db"));
        Documents = new SqliteDocumentStore(_documents);
        Queues = new SqliteQueueStore(_queues, Clock);
        Settings = settings ?? new NotificationSettings { OutboxFolder = Path.Combine(_folder.Path, "outbox") };
        Customers = new CustomerService(Documents, Clock);
        Store = new NotificationStore(Documents);
        Outbox = new NotificationOutbox(Store, Customers, Queues, Settings, Clock, NullLogger<NotificationOutbox>.Instance);
        Email = new RecordingSender(NotificationChannel.Email);
        Sms = new RecordingSender(NotificationChannel.Sms);
        Events = new EventOutbox(Documents, new OutboxConsumers(OutboxConsumers.Lake));
        Delivery = new NotificationDelivery(Store, Outbox, Events, Customers, [Email, Sms], Clock, NullLogger<NotificationDelivery>.Instance);
    }

    public Clock Clock { get; }
    public SqliteDocumentStore Documents { get; }
    public SqliteQueueStore Queues { get; }
    public NotificationSettings Settings { get; }
    public CustomerService Customers { get; }
    public NotificationStore Store { get; }
    public NotificationOutbox Outbox { get; }
    public EventOutbox Events { get; }
    public NotificationDelivery Delivery { get; }
    public RecordingSender Email { get; }
    public RecordingSender Sms { get; }

    /// <summary>Delivers every queued message that is due now, as the queue function would; returns how many.</summary>
    public async Task<int> DeliverDueAsync()
    {
        var queue = await Queues.GetQueueAsync(NotificationOutbox.Queue);
        var delivered = 0;
        while ((await queue.DequeueAsync(32, TimeSpan.FromMinutes(1))) is { Count: > 0 } messages)
        {
            foreach (var message in messages)
            {
                await Delivery.DeliverAsync(System.Text.Json.JsonSerializer.Deserialize<DeliverNotification>(message.Body, Storage.Documents.DocumentJson.Options)!, CancellationToken.None);
                await queue.DeleteAsync(message);
                delivered++;
            }
        }
        return delivered;
    }

    public void Dispose()
    {
        _documents.Dispose();
        _queues.Dispose();
        _folder.Dispose();
    }
}
