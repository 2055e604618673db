using System.Diagnostics;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Analytics.Lake;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Analytics;

/// <summary>
/// The whole Online Retail file: imported into a fresh embedded store and lake (customers, orders, returns,
/// events, compaction), then imported again (which changes nothing), then the features of every customer
/// computed from the lake. Baseline in the same run: reading and parsing the file alone. Wall time and this
/// process's CPU time for each, since the machine is shared.
/// </summary>
public static class HistoryBenchmark
{
    private static string File => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "shared", "data", "online_retail.csv.gz"));

    public static async Task<int> RunImportAsync(string[] args)
    {
        var (baseline, baselineCpu) = await TimedAsync(() => OnlineRetailFile.LoadAsync(File));
        await using var app = await BenchApp.StartAsync("--Catalog:SeedDemoData=false");
        var importer = app.Services.GetRequiredService<HistoryImporter>();
        var (import, importCpu) = await TimedAsync(() => ImportAsync(importer));
        var (again, againCpu) = await TimedAsync(() => ImportAsync(importer));

        Header();
        Measure.Report("baseline_parse_file_s", baseline.TotalSeconds);
        Measure.Report("baseline_parse_file_cpu_s", baselineCpu.TotalSeconds);
        Measure.Report("import_s", import.TotalSeconds);
        Measure.Report("import_cpu_s", importCpu.TotalSeconds);
        Measure.Report("ratio_import_to_parse", import / baseline);
        Measure.Report("reimport_s", again.TotalSeconds);
        Measure.Report("reimport_cpu_s", againCpu.TotalSeconds);
        return 0;
    }

    public static async Task<int> RunFeaturesAsync(string[] args)
    {
        var (baseline, baselineCpu) = await TimedAsync(() => OnlineRetailFile.LoadAsync(File));
        await using var app = await BenchApp.StartAsync("--Catalog:SeedDemoData=false");
        await ImportAsync(app.Services.GetRequiredService<HistoryImporter>());
        var lake = app.Services.GetRequiredService<Lake>();
        var builder = app.Services.GetRequiredService<CustomerFeatureBuilder>();
        var asOf = new DateTime(2011, 12, 10, 0, 0, 0, DateTimeKind.Utc);

        var rounds = new List<(TimeSpan Load, TimeSpan Build, TimeSpan Cpu, int Customers)>();
        for (var i = 0; i < 3; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            PurchaseHistory history;
            await using (var session = await lake.OpenAsync())
                history = LakeHistory.LoadPurchases(session, builder.Settings.Currency);
            var loaded = Stopwatch.GetElapsedTime(started);
            var set = builder.Build(history, [], new Dictionary<string, CustomerProfile>(), asOf);
            rounds.Add((loaded, Stopwatch.GetElapsedTime(started) - loaded, Process.GetCurrentProcess().TotalProcessorTime - cpu, set.Customers.Count));
        }
        var median = rounds.OrderBy(r => r.Load + r.Build).ElementAt(1);

        Header();
        Measure.Report("baseline_parse_file_s", baseline.TotalSeconds);
        Measure.Report("customers", median.Customers);
        Measure.Report("load_lake_s", median.Load.TotalSeconds);
        Measure.Report("build_features_s", median.Build.TotalSeconds);
        Measure.Report("features_total_s", (median.Load + median.Build).TotalSeconds);
        Measure.Report("features_total_cpu_s", median.Cpu.TotalSeconds);
        Measure.Report("ratio_features_to_parse", (median.Load + median.Build) / baseline);
        return 0;
    }

    private static async Task<HistoryImportReport> ImportAsync(HistoryImporter importer)
    {
        await using var file = System.IO.File.OpenRead(File);
        return await importer.ImportAsync(file);
    }

    private static async Task<(TimeSpan Wall, TimeSpan Cpu)> TimedAsync<T>(Func<Task<T>> work)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await work();
        return (Stopwatch.GetElapsedTime(started), Process.GetCurrentProcess().TotalProcessorTime - cpu);
    }

    private static void Header() =>
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; Online Retail (541,909 rows), embedded preset");
}
