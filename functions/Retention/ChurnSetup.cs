using Commerce.Analytics.Features;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Intelligence.Churn;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Commerce.Functions.Retention;

public static class ChurnSetup
{
    /// <summary>The churn model: its options, the feature builder it reads, and the churn-eval command.</summary>
    public static FunctionAppBuilder AddChurn(this FunctionAppBuilder app)
    {
        app.Services.AddSingleton(new ChurnOptions { HorizonDays = app.Configuration.GetInt("Churn:HorizonDays", 90, 7, 365) });
        app.Services.TryAddSingleton(new CustomerFeatureBuilder(new FeatureSettings()));
        app.AddCommand("churn-eval", ChurnCommands.EvaluateAsync);
        return app;
    }
}
