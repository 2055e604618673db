using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Hosting;
using Commerce.Hosting.Settings;

namespace Commerce.Functions.Events;

public static class EventsSetup
{
    /// <summary>Behaviour events in (the events API and its inbox) and the outbox the system records its own events in.</summary>
    public static FunctionAppBuilder AddEvents(this FunctionAppBuilder app)
    {
        var rules = new ClientEventRules(app.Configuration.GetTimeSpan("Events:MaxClockSkew", TimeSpan.FromDays(1), TimeSpan.FromMinutes(1), TimeSpan.FromDays(30)));
        app.DocumentContainers.Add(EventOutbox.Container, EventInbox.Container);
        var services = app.Services;
        services.AddSingleton(rules);
        services.AddSingleton(new OutboxConsumers(OutboxConsumers.Lake));
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<EventInbox>();
        app.Functions.MapEventsApi();
        return app;
    }
}
