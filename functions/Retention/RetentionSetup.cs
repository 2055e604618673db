using Commerce.Analytics.Features;
using Commerce.Functions.Analytics;
using Commerce.Hosting;
using Commerce.Hosting.Settings;

namespace Commerce.Functions.Retention;

public static class RetentionSetup
{
    /// <summary>Customer features, segments, lifecycle stages and tiers: settings, the nightly recomputation, the insights API.</summary>
    public static FunctionAppBuilder AddRetention(this FunctionAppBuilder app)
    {
        var settings = ReadSettings(app.Configuration);
        var services = app.Services;
        app.DocumentContainers.Add(CustomerInsightsService.Container);
        services.AddSingleton(settings);
        services.AddSingleton<CustomerFeatureBuilder>();
        services.AddSingleton<CustomerInsightsService>();

        app.Functions.AddTimer(InsightsApi.RecomputeFunction, app.Configuration.GetSchedule("Retention:InsightsSchedule", "0 30 2 * * *"), async (_, context) =>
        {
            var now = context.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
            await context.Services.GetRequiredService<CustomerInsightsService>().RecomputeAllAsync(now, context.CancellationToken);
        });
        app.Functions.MapInsightsApi();
        app.AddCommand("customer-insights", InsightsApi.InsightsCommandAsync);
        return app;
    }

    public static FeatureSettings ReadSettings(IConfiguration configuration)
    {
        var currency = configuration.GetString("Retention:Currency") ?? "GBP";
        if (!Commerce.Catalog.Pricing.Currencies.IsKnown(currency))
            throw new SettingsException("Retention:Currency", $"'{currency}' is not an ISO 4217 currency this shop knows.");
        var lifecycle = new LifecycleThresholds
        {
            NewDays = configuration.GetInt("Retention:Lifecycle:NewDays", 30, 1, 365),
            AtRiskRatio = configuration.GetDouble("Retention:Lifecycle:AtRiskRatio", 1.5, 1, 20),
            LapsedRatio = configuration.GetDouble("Retention:Lifecycle:LapsedRatio", 3, 1, 50),
            MinGapDays = configuration.GetDouble("Retention:Lifecycle:MinGapDays", 7, 0, 365),
        };
        if (lifecycle.LapsedRatio <= lifecycle.AtRiskRatio)
            throw new SettingsException("Retention:Lifecycle:LapsedRatio", $"{lifecycle.LapsedRatio} must be above Retention:Lifecycle:AtRiskRatio ({lifecycle.AtRiskRatio}).");
        var tiers = new TierThresholds
        {
            WindowDays = configuration.GetInt("Retention:Tiers:WindowDays", 365, 1, 3650),
            Silver = configuration.GetInt("Retention:Tiers:Silver", 500, 0, int.MaxValue),
            Gold = configuration.GetInt("Retention:Tiers:Gold", 2_000, 0, int.MaxValue),
            Platinum = configuration.GetInt("Retention:Tiers:Platinum", 10_000, 0, int.MaxValue),
        };
        if (!(tiers.Silver < tiers.Gold && tiers.Gold < tiers.Platinum))
            throw new SettingsException("Retention:Tiers", $"silver ({tiers.Silver}), gold ({tiers.Gold}) and platinum ({tiers.Platinum}) must rise in that order.");
        return new FeatureSettings
        {
            Currency = currency,
            TrendWindowDays = configuration.GetInt("Retention:TrendWindowDays", 90, 1, 730),
            ActivityWindowDays = configuration.GetInt("Retention:ActivityWindowDays", 30, 1, 365),
            InterestHalfLifeDays = configuration.GetDouble("Retention:InterestHalfLifeDays", 90, 1, 3650),
            Lifecycle = lifecycle,
            Tiers = tiers,
        };
    }
}
