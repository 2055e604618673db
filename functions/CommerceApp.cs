using Commerce.Durable.Hosting;
using Commerce.Functions.Analytics;
using Commerce.Functions.Catalog;
using Commerce.Functions.Checkout;
using Commerce.Functions.Dashboard;
using Commerce.Functions.Events;
using Commerce.Functions.Experiments;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orchestrations.RetentionCampaign;
using Commerce.Functions.Health;
using Commerce.Functions.Notifications;
using Commerce.Functions.Orchestrations;
using Commerce.Functions.Retention;
using Commerce.Functions.Recommendations;
using Commerce.Functions.Webhooks;
using Commerce.Hosting;
using Commerce.Hosting.Auth;

namespace Commerce.Functions;

/// <summary>The product's function app: every function it ships, registered in one place.</summary>
public static class CommerceApp
{
    public static FunctionAppBuilder CreateBuilder(string[] args)
    {
        var app = FunctionAppBuilder.Create(args);
        Configure(app);
        return app;
    }

    public static void Configure(FunctionAppBuilder app)
    {
        app.AddDurableTask(tasks => tasks.AddOrderLifecycle().AddRetentionCampaigns());
        app.AddCatalog();
        app.AddEvents();
        app.AddWebhooks();
        app.AddOrders();
        app.AddAnalytics();
        app.AddChurn();
        app.AddNotifications();
        app.AddCampaigns();
        app.AddRetention();
        app.AddRecommendations();
        app.AddExperiments();
        app.Functions
            .MapHealthApi()
            .MapDashboardApi()
            .MapOrchestrationsApi(endpoint => endpoint.RequireAdmin());
    }
}
