using Commerce.Analytics.Features;
using Commerce.Hosting;
using Commerce.Intelligence.Churn;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Commerce.Functions.Retention;

public static class RetentionSetup
{
    /// <summary>Churn risk and the retention engine: services, functions and commands.</summary>
    public static FunctionAppBuilder AddRetention(this FunctionAppBuilder app)
    {
        app.Services.AddSingleton(new ChurnOptions());
        app.Services.TryAddSingleton(new CustomerFeatureBuilder(new FeatureSettings()));
        app.AddCommand("churn-eval", ChurnCommands.EvaluateAsync);
        return app;
    }
}
