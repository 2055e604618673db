using Commerce.Experiments;
using Commerce.Experiments.Bandits;
using Commerce.Hosting;
using Commerce.Functions.Recommendations;
using Commerce.Hosting.Settings;

namespace Commerce.Functions.Experiments;

public static class ExperimentsSetup
{
    /// <summary>
    /// Experiments, their exposures (through the outbox into the lake) and their results (read from the lake); the
    /// bandit that learns each recommendation slot's strategy from the lake.
    /// </summary>
    public static FunctionAppBuilder AddExperiments(this FunctionAppBuilder app)
    {
        var strategies = (app.Configuration.GetString("Recommendations:Strategies") ?? "ranker")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (strategies.Count == 0 || strategies.Any(s => !RecommendationsApi.Strategies.ContainsKey(s)))
            throw new SettingsException("Recommendations:Strategies", $"must list strategies from {string.Join(", ", RecommendationsApi.Strategies.Keys)}, comma-separated.");
        var bandit = new StrategyBanditOptions(
            app.Configuration.GetTimeSpan("Recommendations:StrategyRefresh", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)), strategies);
        app.DocumentContainers.Add(ExperimentStore.Containers);
        app.Services.AddSingleton<ExperimentStore>();
        app.Services.AddSingleton<ExperimentResults>();
        app.Services.AddSingleton(bandit);
        app.Services.AddSingleton<StrategyBandit>();
        app.Services.AddHostedService(provider => provider.GetRequiredService<StrategyBandit>());
        app.Functions.MapExperimentsApi();
        return app;
    }
}
