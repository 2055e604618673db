using Commerce.Events.Outbox;
using Commerce.Events.Webhooks;
using Commerce.Functions.Events;
using Commerce.Hosting;
using Commerce.Hosting.Settings;

namespace Commerce.Functions.Webhooks;

public static class WebhooksSetup
{
    public const string DispatchFunction = "DispatchWebhooks";
    public const string DeliverFunction = "DeliverWebhook";

    /// <summary>Partner webhooks: subscriptions, the outbox consumer that makes deliveries, the queue function that sends them.</summary>
    public static FunctionAppBuilder AddWebhooks(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var defaults = WebhookOptions.Default(configuration.GetBool("Webhooks:AllowPrivateNetworks", app.Web.Environment.IsDevelopment()));
        var options = defaults with
        {
            Timeout = configuration.GetTimeSpan("Webhooks:Timeout", defaults.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
            FirstRetry = configuration.GetTimeSpan("Webhooks:FirstRetry", defaults.FirstRetry, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
            MaxRetryInterval = configuration.GetTimeSpan("Webhooks:MaxRetryInterval", defaults.MaxRetryInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(12)),
            RetryWindow = configuration.GetTimeSpan("Webhooks:RetryWindow", defaults.RetryWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7)),
        };
        var budget = configuration.GetTimeSpan("Webhooks:DispatchBudget", TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        app.DocumentContainers.Add(WebhookSubscriptions.Container, WebhookDeliveries.Container);
        var services = app.Services;
        services.AddSingleton(options);
        services.AddSingleton(new PartnerAddresses(options.AllowPrivateNetworks));
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<WebhookDeliveries>();
        app.AddOutboxRelay(OutboxConsumers.Webhooks, DispatchFunction, configuration.GetSchedule("Webhooks:DispatchSchedule", "*/2 * * * * *"), budget,
            provider => provider.GetRequiredService<WebhookDeliveries>());
        app.Functions.AddQueue<WebhookDeliveryDue>(DeliverFunction, WebhookDeliveries.Queue, async (due, context) =>
            await context.Services.GetRequiredService<WebhookDeliveries>().AttemptAsync(due, context.CancellationToken));
        app.Functions.MapWebhooksApi();
        return app;
    }
}
