using Commerce.Analytics.History;
using Commerce.Hosting;

namespace Commerce.Functions.Analytics;

public static class AnalyticsSetup
{
    /// <summary>History import, the lake, features and segments: services, functions and commands.</summary>
    public static FunctionAppBuilder AddAnalytics(this FunctionAppBuilder app)
    {
        app.Services.AddSingleton<HistoryImporter>();
        app.Functions.MapHistoryApi();
        app.AddCommand("import-history", HistoryApi.ImportCommandAsync);
        return app;
    }
}
