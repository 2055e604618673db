using System.Diagnostics;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Intelligence.Churn;

namespace Commerce.Bench.Churn;

/// <summary>
/// The churn model on the whole Online Retail history: training on the 2011-06-11 cut (features and fit) and
/// scoring every customer as of the day after the last invoice (features, probability and reasons). The baseline
/// of the same run is reading the file; the reference logistic regression's fit is shown next to the boosted one.
/// </summary>
public static class ChurnBenchmark
{
    private static readonly DateTime TrainingCut = new(2011, 6, 11, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>../shared/data next to the repository root (where Serverless.sln is), wherever `dotnet run` started.</summary>
    private static string DefaultData()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                return Path.Combine(dir.FullName, "..", "shared", "data", "online_retail.csv.gz");
        }
        throw new FileNotFoundException("No Serverless.sln above the current directory; pass --data <online_retail.csv.gz>.");
    }

    public static Task<int> RunAsync(string[] args)
    {
        var data = args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault() ?? DefaultData();
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        var options = new ChurnOptions();
        var builder = new CustomerFeatureBuilder(new FeatureSettings());
        var clock = Stopwatch.StartNew();
        var history = PurchaseHistory.FromOnlineRetail(OnlineRetailFile.LoadAsync(data).GetAwaiter().GetResult());
        var load = clock.Elapsed.TotalSeconds;

        clock.Restart();
        var examples = ChurnExamples.Labelled(builder, history, [], new Dictionary<string, CustomerProfile>(), TrainingCut, options.HorizonDays);
        var features = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var trainer = new ChurnTrainer(options);
        var model = trainer.TrainBoosted(examples);
        var fit = clock.Elapsed.TotalSeconds;
        clock.Restart();
        trainer.TrainBaseline(examples);
        var baselineFit = clock.Elapsed.TotalSeconds;

        var now = history.Lines[^1].At.Date.AddDays(1);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var everyone = ChurnExamples.Inputs(builder, history, [], new Dictionary<string, CustomerProfile>(), now, options.HorizonDays);
        var scoringFeatures = clock.Elapsed.TotalSeconds;
        var scores = model.Score(everyone, options.Reasons);
        var scoring = clock.Elapsed.TotalSeconds;
        var scoringCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        Measure.Report("online_retail_load_s (baseline)", load);
        Measure.Report("training_customers", examples.Count);
        Measure.Report("training_features_s", features);
        Measure.Report("training_fit_s", fit);
        Measure.Report("training_s", features + fit);
        Measure.Report("training_ratio_to_load", (features + fit) / load);
        Measure.Report("reference_logistic_regression_fit_s", baselineFit);
        Measure.Report("scored_customers", scores.Count);
        Measure.Report("scoring_features_s", scoringFeatures);
        Measure.Report("scoring_all_with_reasons_s", scoring);
        Measure.Report("scoring_all_with_reasons_cpu_s", scoringCpu);
        Measure.Report("scoring_ratio_to_load", scoring / load);
        return Task.FromResult(0);
    }
}
