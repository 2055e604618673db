using Commerce.Analytics.Features;
using Commerce.Functions.Models;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Commerce.Retention.Risk;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Commerce.Functions.Retention;

public static class ChurnSetup
{
    public const string TrainFunction = "TrainChurnModel";

    /// <summary>
    /// The churn model: a kind in the model registry trained nightly, the live version every instance serves, every
    /// active customer scored whenever it changes, the risk API and the churn-eval command.
    /// </summary>
    public static FunctionAppBuilder AddChurn(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var bands = new RiskBands(
            configuration.GetDouble("Churn:RiskBands:Medium", 0.4, 0.01, 0.99),
            configuration.GetDouble("Churn:RiskBands:High", 0.7, 0.01, 0.99));
        if (bands.High <= bands.Medium)
            throw new SettingsException("Churn:RiskBands:High", $"{bands.High} must be above Churn:RiskBands:Medium ({bands.Medium}).");
        var schedule = configuration.GetSchedule("Churn:TrainingSchedule", "0 0 3 * * *");
        var refresh = configuration.GetTimeSpan("Churn:RefreshInterval", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

        var services = app.Services;
        services.AddSingleton(new ChurnOptions { HorizonDays = configuration.GetInt("Churn:HorizonDays", 90, 7, 365) });
        services.AddSingleton(bands);
        services.AddSingleton<ChurnScoring>();
        services.TryAddSingleton(new CustomerFeatureBuilder(new FeatureSettings()));
        services.AddSingleton<IModelKind, ChurnModelKind>();
        services.AddSingleton(provider => new LiveModel<ChurnModel>(
            provider.GetRequiredService<ModelRegistry>(), ChurnModelKind.Name, ChurnModelKind.Load, refresh,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<LiveModel<ChurnModel>>>()));
        services.AddHostedService(provider => provider.GetRequiredService<LiveModel<ChurnModel>>());
        services.AddSingleton(provider => new ChurnRiskRefresher(
            provider.GetRequiredService<LiveModel<ChurnModel>>(), provider.GetRequiredService<ChurnScoring>(), provider.GetRequiredService<ChurnRiskStore>(), refresh,
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<ILogger<ChurnRiskRefresher>>()));
        services.AddHostedService(provider => provider.GetRequiredService<ChurnRiskRefresher>());

        app.Functions.MapRiskApi().AddTrainingTimer(TrainFunction, schedule, ChurnModelKind.Name);
        app.AddCommand("churn-eval", ChurnCommands.EvaluateAsync);
        return app;
    }
}
