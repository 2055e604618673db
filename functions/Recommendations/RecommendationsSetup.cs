using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Analytics.Lake;
using Commerce.Functions.Models;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Intelligence.Models;
using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;

namespace Commerce.Functions.Recommendations;

public static class RecommendationsSetup
{
    public const string TrainFunction = "TrainRecommendations";

    /// <summary>
    /// The model registry, the recommendations model kind (trained from the lake's history), the live
    /// model every instance serves from, the HTTP functions, the training timer and the offline commands.
    /// </summary>
    public static FunctionAppBuilder AddRecommendations(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var settings = new RecommendationSettings
        {
            TrainingSchedule = configuration.GetSchedule("Recommendations:TrainingSchedule", new RecommendationSettings().TrainingSchedule),
            HoldoutDays = configuration.GetInt("Recommendations:HoldoutDays", 28, 1, 365),
            HistoryDays = configuration.GetInt("Recommendations:HistoryDays", 730, 30, 3650),
            MarginFloor = (decimal)configuration.GetDouble("Recommendations:MarginFloor", 0.10, 0, 0.99),
            MaxPerCategory = configuration.GetInt("Recommendations:MaxPerCategory", 3, 1, RecommendationSettings.MaxLimit),
            RecentPurchaseDays = configuration.GetInt("Recommendations:RecentPurchaseDays", 60, 0, 3650),
            ReorderDueFraction = configuration.GetDouble("Recommendations:ReorderDueFraction", 0.8, 0.1, 5),
            RefreshInterval = configuration.GetTimeSpan("Recommendations:RefreshInterval", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)),
            RecentPurchasesFreshness = configuration.GetTimeSpan("Recommendations:RecentPurchasesFreshness", TimeSpan.FromSeconds(5), TimeSpan.Zero, TimeSpan.FromMinutes(5)),
            RecentPurchasesBuyers = configuration.GetInt("Recommendations:RecentPurchasesBuyers", 100_000, 100, 10_000_000),
        };
        if (settings.HoldoutDays >= settings.HistoryDays)
            throw new SettingsException("Recommendations:HoldoutDays", "must be shorter than Recommendations:HistoryDays.");

        var services = app.Services;
        services.AddSingleton(settings);
        services.AddSingleton(new RecommenderOptions());
        services.AddSingleton<RecommendationRules>();
        services.AddSingleton(provider => new OrderStorePurchases(provider.GetRequiredService<OrderRepository>()));
        // Campaign audiences and churn scoring need orders still under way too, so they read the order store, as serving does
        // for the buyer's latest orders; the model learns from the lake.
        services.AddSingleton<IPurchaseHistorySource>(provider => provider.GetRequiredService<OrderStorePurchases>());
        services.AddSingleton<IRecentPurchases>(provider => ActivatorUtilities.CreateInstance<RecentPurchasesCache>(provider, provider.GetRequiredService<OrderStorePurchases>()));
        services.AddSingleton<IModelKind>(provider => ActivatorUtilities.CreateInstance<RecommendationModelKind>(provider,
            (IPurchaseHistorySource)new LakePurchases(provider.GetRequiredService<Lake>(), provider.GetRequiredService<FeatureSettings>().Currency)));
        services.AddSingleton<ModelRegistry>();
        services.AddSingleton(provider => new LiveModel<RecommendationModel>(
            provider.GetRequiredService<ModelRegistry>(), RecommendationModelKind.Name, RecommendationModelKind.Load, settings.RefreshInterval,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<LiveModel<RecommendationModel>>>()));
        services.AddHostedService(provider => provider.GetRequiredService<LiveModel<RecommendationModel>>());
        services.AddSingleton<RecommendationService>();

        app.Functions
            .MapRecommendationsApi()
            .MapModelsApi()
            .AddTrainingTimer(TrainFunction, settings.TrainingSchedule, RecommendationModelKind.Name);
        app.AddCommand("recommend-eval", RecommendCommands.EvaluateAsync);
        app.AddCommand("recommend", RecommendCommands.RecommendAsync);
        return app;
    }
}
