using Commerce.Catalog.Pricing;
using Commerce.Functions.Orchestrations;
using Commerce.Functions.Orders;
using Commerce.Functions.Payments;
using Commerce.Hosting;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Hosting.Settings;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Cart;
using Commerce.Orders.Orders;
using Commerce.Orders.Risk;
using Commerce.Payments.Attempts;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;

namespace Commerce.Functions.Checkout;

public static class OrdersSetup
{
    /// <summary>
    /// The sandbox is a provider's test mode; its webhook secret is a published test value, so it is the default
    /// in Development only. Elsewhere a channel without configured secrets refuses every webhook.
    /// </summary>
    public const string SandboxWebhookSecret = "whsec_sandbox_test_mode";

    /// <summary>Cart, checkout, orders and payments: services, settings and HTTP functions.</summary>
    public static FunctionAppBuilder AddOrders(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var retry = new PaymentRetrySettings
        {
            MaxAttempts = configuration.GetInt("Payments:Retry:MaxAttempts", 4, 1, 20),
            FirstRetryInterval = configuration.GetTimeSpan("Payments:Retry:FirstRetryInterval", TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromMinutes(10)),
            BackoffCoefficient = configuration.GetDouble("Payments:Retry:BackoffCoefficient", 2, 1, 10),
            Jitter = configuration.GetDouble("Payments:Retry:Jitter", 0.2, 0, 1),
            MaxRetryInterval = configuration.GetTimeSpan("Payments:Retry:MaxRetryInterval", TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)),
            RetryTimeout = configuration.GetTimeSpan("Payments:Retry:RetryTimeout", TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1)),
        };
        var fulfilment = configuration.GetString("Fulfilment:Mode") ?? "manual";
        if (fulfilment is not ("manual" or "auto"))
            throw new SettingsException("Fulfilment:Mode", $"'{fulfilment}' is not one of manual, auto.");
        var timings = new LifecycleTimings(
            PaymentDeadline: configuration.GetTimeSpan("Orders:PaymentDeadline", TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(60)),
            ShipmentDeadline: configuration.GetTimeSpan("Orders:ShipmentDeadline", TimeSpan.FromDays(14), TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
            DeliveryDeadline: configuration.GetTimeSpan("Orders:DeliveryDeadline", TimeSpan.FromDays(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
            AutoFulfilment: fulfilment == "auto",
            PaymentAttempts: retry.MaxAttempts,
            FirstPaymentRetry: retry.FirstRetryInterval,
            PaymentBackoff: retry.BackoffCoefficient,
            MaxPaymentRetry: retry.MaxRetryInterval,
            PaymentRetryTimeout: retry.RetryTimeout,
            PaymentJitter: retry.Jitter);
        var risk = new RiskSettings
        {
            MaxOrderTotals = MaxOrderTotals(configuration),
            MaxOrdersPerWindow = configuration.GetInt("Risk:MaxOrdersPerHour", 30, 1, 100_000),
            DeniedCustomers = (configuration.GetString("Risk:DeniedCustomers") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
        };
        var channels = (configuration.GetString("Payments:Channels") ?? "sandbox-a,sandbox-b").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (channels.Length == 0 || channels.Any(c => !c.StartsWith("sandbox-", StringComparison.Ordinal)))
            throw new SettingsException("Payments:Channels", "lists the channels in order; this build has the sandbox channels (sandbox-a, sandbox-b, ...).");
        var sandbox = new SandboxOptions
        {
            Latency = TimeSpan.FromMilliseconds(configuration.GetInt("Payments:Sandbox:LatencyMs", 0, 0, 60_000)),
            FailureRate = configuration.GetInt("Payments:Sandbox:FailurePercent", 0, 0, 100) / 100.0,
        };
        var defaultSecret = app.Web.Environment.IsDevelopment() ? SandboxWebhookSecret : "";
        var secrets = channels.ToDictionary(c => c, c => (IReadOnlyList<string>)((configuration.GetString($"Payments:Webhooks:{c}:Secrets") ?? defaultSecret)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), StringComparer.Ordinal);

        app.DocumentContainers.Add(
            OrderRepository.OrdersContainer, OrderRepository.IndexContainer, CartService.Container,
            SandboxChannel.Container, PaymentAttemptLog.Container, RouteJournal.Container, PaymentWebhooks.Container);
        var services = app.Services;
        services.AddSingleton(retry);
        services.AddSingleton(timings);
        services.AddSingleton(risk);
        services.AddSingleton<OrderRepository>();
        services.AddSingleton<CartService>();
        services.AddSingleton<PaymentAttemptLog>();
        services.AddSingleton<RouteJournal>();
        services.AddSingleton<PaymentRouter>(provider => new PaymentRouter(
            channels.Select((name, i) => (IPaymentChannel)new SandboxChannel(name, i == 0, provider.GetRequiredService<IDocumentStore>(), provider.GetRequiredService<TimeProvider>(), sandbox)),
            provider.GetRequiredService<PaymentAttemptLog>(),
            provider.GetRequiredService<RouteJournal>(),
            provider.GetRequiredService<TimeProvider>(),
            callTimeout: configuration.GetTimeSpan("Payments:CallTimeout", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(2))));
        services.AddSingleton(provider => new PaymentWebhooks(secrets, provider.GetRequiredService<IDocumentStore>(), provider.GetRequiredService<TimeProvider>()));
        // Terminating an order's lifecycle would leave its payment authorized or captured and its stock held.
        services.AddSingleton(new TerminationRefused(OrderLifecycleOrchestrator.Name,
            "An order lifecycle is not terminated, because that would skip refunding or voiding its payment and returning its stock. "
            + "Cancel the order instead with POST /api/orders/{id}/cancel (admin): the lifecycle undoes what it did and records the cancellation."));

        app.Functions
            .MapCartApi()
            .MapCheckoutApi()
            .MapOrdersApi()
            .MapPaymentWebhooksApi()
            .AddIdempotencyCleanup();
        return app;
    }

    /// <summary>Risk:MaxOrderTotal:&lt;ISO currency&gt; = limit, one key per currency; without any, <see cref="RiskSettings.DefaultMaxOrderTotals"/>.</summary>
    private static Dictionary<string, decimal> MaxOrderTotals(IConfiguration configuration)
    {
        const string Key = "Risk:MaxOrderTotal";
        var section = configuration.GetSection(Key);
        if (section.Value is not null)
            throw new SettingsException(Key, "is set per currency, one key each: Risk:MaxOrderTotal:GBP=25000 (Risk__MaxOrderTotal__GBP in the environment).");
        var limits = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var limit in section.GetChildren())
        {
            var currency = limit.Key.ToUpperInvariant();
            if (!Currencies.IsKnown(currency))
                throw new SettingsException(limit.Path, $"'{limit.Key}' is not a currency this shop accepts.");
            if (string.IsNullOrEmpty(limit.Value))
                throw new SettingsException(limit.Path, "needs the largest order total allowed in that currency, e.g. 25000.");
            limits[currency] = configuration.GetDecimal(limit.Path, 0, 0.01m, decimal.MaxValue);
        }
        return limits.Count > 0 ? limits : new Dictionary<string, decimal>(RiskSettings.DefaultMaxOrderTotals, StringComparer.Ordinal);
    }
}
