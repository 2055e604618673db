using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Retention;
using Commerce.Retention.Audience;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Retention.Risk;

namespace Commerce.Functions.Retention;

public static class CampaignsSetup
{
    /// <summary>The interventions table, retention campaigns (their orchestration is registered with the durable engine) and staff tasks.</summary>
    public static FunctionAppBuilder AddCampaigns(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var maxNetTermsDays = configuration.GetInt("Campaigns:MaxNetTermsDays", 90, 1, 365);
        var settings = new CampaignSettings
        {
            HoldoutShare = configuration.GetDouble("Campaigns:HoldoutShare", 0.10, 0.01, 0.5),
            MeasurementWindow = configuration.GetTimeSpan("Campaigns:MeasurementWindow", TimeSpan.FromDays(30), TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
            MessagesPerSecond = configuration.GetInt("Campaigns:MessagesPerSecond", 20, 1, 10_000),
            BatchSize = configuration.GetInt("Campaigns:BatchSize", 25, 1, 1_000),
            ParallelBatches = configuration.GetInt("Campaigns:ParallelBatches", 4, 1, 32),
            HistoryDays = configuration.GetInt("Campaigns:HistoryDays", 730, 30, 3650),
            DefaultMarginRate = (decimal)configuration.GetDouble("Campaigns:DefaultMarginRate", 0.35, 0, 0.95),
            CreditLimitMonths = configuration.GetDecimal("Campaigns:CreditLimitMonths", 2m, 0.25m, 24m),
            NetTermsDays = configuration.GetInt("Campaigns:NetTermsDays", 30, 1, maxNetTermsDays),
            MaxNetTermsDays = maxNetTermsDays,
        };
        app.DocumentContainers.Add(InterventionRulesStore.Container, CampaignStore.Container, CampaignStore.MembersContainer, RetentionTaskStore.Container, ChurnRiskStore.Container);
        var services = app.Services;
        services.AddSingleton(settings);
        services.AddSingleton<InterventionRulesStore>();
        services.AddSingleton<RetentionTaskStore>();
        services.AddSingleton<ChurnRiskStore>();
        services.AddSingleton<CustomerPopulation>();
        services.AddSingleton<AudienceSource>();
        services.AddSingleton<CampaignStore>();
        services.AddSingleton<CampaignPlanner>();
        services.AddSingleton<CampaignTreatment>();
        services.AddSingleton<CampaignMeasurer>();
        app.Functions.MapInterventionsApi().MapCampaignsApi();
        app.AddCommand("campaign-replay", CampaignCommands.ReplayAsync);
        return app;
    }
}
