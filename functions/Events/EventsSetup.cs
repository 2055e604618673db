using Azure.Messaging.ServiceBus;
using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Events.Relay;
using Commerce.Hosting;
using Commerce.Storage.Queues;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;
using Microsoft.Extensions.Azure;

namespace Commerce.Functions.Events;

public static class EventsSetup
{
    public const string RelayFunction = "RelayEvents";

    /// <summary>
    /// Behaviour events in (the events API and its inbox), the outbox the system records its own events in, and
    /// the relay that publishes those as integration events: to the Service Bus topic on the azure preset, to the
    /// storage queue commerce-events on the others.
    /// </summary>
    public static FunctionAppBuilder AddEvents(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var rules = new ClientEventRules(configuration.GetTimeSpan("Events:MaxClockSkew", TimeSpan.FromDays(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(30)));
        var source = configuration.GetString("IntegrationEvents:Source") ?? "urn:commerce";
        if (!Uri.TryCreate(source, UriKind.Absolute, out var sourceUri))
            throw new SettingsException("IntegrationEvents:Source", $"'{source}' is not an absolute URI (the CloudEvents source of every event, e.g. urn:commerce or https://shop.example).");
        var relay = new RelayOptions(RoundSubjects: configuration.GetInt("IntegrationEvents:RoundSubjects", 1_000, 10, 10_000));
        var budget = configuration.GetTimeSpan("IntegrationEvents:RelayBudget", TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        var preset = configuration.GetEnum(StorageSetup.PresetSetting, StoragePreset.Embedded);

        var services = app.Services;
        app.DocumentContainers.Add(EventOutbox.Container, EventInbox.Container, EventRelay.StateContainer);
        services.AddSingleton(rules);
        services.AddSingleton(new OutboxConsumers(OutboxConsumers.Lake, OutboxConsumers.Relay, OutboxConsumers.Webhooks));
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<EventInbox>();
        services.AddSingleton(new IntegrationEventFormat(sourceUri));
        services.AddSingleton(relay);
        if (preset == StoragePreset.Azure)
        {
            // Identity-based, as Azure Functions reads a connection (start-up has checked RequiredSettings.Azure).
            var section = configuration.GetSection(RequiredSettings.ServiceBusConnectionSetting);
            services.AddSingleton(provider => new ServiceBusClient(section["fullyQualifiedNamespace"], provider.GetRequiredService<AzureComponentFactory>().CreateTokenCredential(section)));
            services.AddSingleton<IIntegrationEventPublisher>(provider =>
                new ServiceBusEventPublisher(provider.GetRequiredService<ServiceBusClient>().CreateSender(IntegrationEventFormat.Destination)));
        }
        else
        {
            var timeToLive = configuration.GetTimeSpan("IntegrationEvents:QueueTimeToLive", TimeSpan.FromDays(7), TimeSpan.FromMinutes(1), TimeSpan.FromDays(365));
            services.AddSingleton<IIntegrationEventPublisher>(provider => new QueueEventPublisher(provider.GetRequiredService<IQueueStore>(), timeToLive));
        }

        app.AddOutboxRelay(OutboxConsumers.Relay, RelayFunction, configuration.GetSchedule("IntegrationEvents:RelaySchedule", "*/2 * * * * *"), budget,
            provider => provider.GetRequiredService<IIntegrationEventPublisher>());
        app.Functions.MapEventsApi();
        return app;
    }

    /// <summary>
    /// An <see cref="EventRelay"/> for <paramref name="consumer"/> (injectable keyed by it) and the timer that runs it.
    /// Unmonitored: every instance may fire it, since the relay's lease lets one run at a time.
    /// </summary>
    public static void AddOutboxRelay(this FunctionAppBuilder app, string consumer, string function, string schedule, TimeSpan budget,
        Func<IServiceProvider, IIntegrationEventPublisher> publisher)
    {
        app.Services.AddKeyedSingleton(consumer, (provider, _) => new EventRelay(consumer, publisher(provider),
            provider.GetRequiredService<EventOutbox>(), provider.GetRequiredService<IntegrationEventFormat>(), provider.GetRequiredService<Commerce.Storage.Documents.IDocumentStore>(),
            provider.GetRequiredService<RelayOptions>(), provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<EventRelay>>()));
        app.Functions.AddTimer(function, schedule, async (_, context) =>
            await context.Services.GetRequiredKeyedService<EventRelay>(consumer).RunAsync(budget, context.CancellationToken), useMonitor: false);
    }
}
