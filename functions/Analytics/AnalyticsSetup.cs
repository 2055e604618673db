using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Analytics.Kpis;
using Commerce.Analytics.Lake;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;

namespace Commerce.Functions.Analytics;

public static class AnalyticsSetup
{
    public const string CompactFunction = "CompactLake";

    /// <summary>The lake, its compaction timer, history import, segment analysis, KPIs and cohorts.</summary>
    public static FunctionAppBuilder AddAnalytics(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        app.DocumentContainers.Add(LakeCompactor.StateContainer);
        var cache = configuration.GetString("Lake:CacheDirectory") ?? Path.Combine(StorageSetup.DataDirectory(configuration), "lake-cache");
        var compaction = new CompactionOptions(
            RoundEvents: configuration.GetInt("Lake:CompactionRoundEvents", 400_000, 1_000, 5_000_000),
            RoundSubjects: configuration.GetInt("Lake:CompactionRoundSubjects", 5_000, 10, 100_000));
        var budget = configuration.GetTimeSpan("Lake:CompactionBudget", TimeSpan.FromMinutes(4), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));

        var services = app.Services;
        services.AddSingleton(new LakeOptions(Path.GetFullPath(cache)));
        services.AddSingleton<Lake>();
        services.AddSingleton<LakeWriter>();
        services.AddSingleton(compaction);
        services.AddSingleton<LakeCompactor>();
        services.AddSingleton<HistoryImporter>();
        services.AddSingleton<IBehaviourHistorySource, LakeBehaviour>();
        services.AddSingleton<SegmentAnalysis>();
        services.AddSingleton<AcquisitionSpendStore>();
        services.AddSingleton<ShopKpis>();
        services.AddSingleton(new UnitEconomicsDefaults(configuration.GetDecimal("Kpis:GrossMargin", 0.30m, 0m, 1m)));
        app.DocumentContainers.Add(AcquisitionSpendStore.Container);

        // Unmonitored: every instance may fire it, since the compactor's lease lets one run at a time, and a missed
        // occurrence only means that the next one moves a little more.
        app.Functions.AddTimer(CompactFunction, configuration.GetSchedule("Lake:CompactionSchedule", "*/10 * * * * *"), async (_, context) =>
        {
            var report = await context.Services.GetRequiredService<LakeCompactor>().RunAsync(budget, context.CancellationToken);
            // Customers whose orders just reached the lake get their features refreshed at once, not tomorrow night.
            await context.Services.GetRequiredService<CustomerInsightsService>().RefreshAsync(report.CustomersWithNewOrders, context.CancellationToken);
        }, useMonitor: false);
        app.Functions.MapHistoryApi().MapSegmentsApi().MapKpisApi();
        app.AddCommand("import-history", HistoryApi.ImportCommandAsync);
        app.AddCommand("kpis", KpisApi.KpisCommandAsync);
        return app;
    }
}
