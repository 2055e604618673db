using Commerce.Analytics.Features;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Intelligence.Churn;
using Commerce.Retention.Risk;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Commerce.Functions.Retention;

public static class ChurnSetup
{
    /// <summary>The churn model: its options, the risk bands, scoring every active customer, and the churn-eval command.</summary>
    public static FunctionAppBuilder AddChurn(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var bands = new RiskBands(
            configuration.GetDouble("Churn:RiskBands:Medium", 0.4, 0.01, 0.99),
            configuration.GetDouble("Churn:RiskBands:High", 0.7, 0.01, 0.99));
        if (bands.High <= bands.Medium)
            throw new SettingsException("Churn:RiskBands:High", $"{bands.High} must be above Churn:RiskBands:Medium ({bands.Medium}).");
        app.Services.AddSingleton(new ChurnOptions { HorizonDays = configuration.GetInt("Churn:HorizonDays", 90, 7, 365) });
        app.Services.AddSingleton(bands);
        app.Services.AddSingleton<ChurnScoring>();
        app.Services.TryAddSingleton(new CustomerFeatureBuilder(new FeatureSettings()));
        app.AddCommand("churn-eval", ChurnCommands.EvaluateAsync);
        return app;
    }
}
