using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Import;
using Commerce.Intelligence.Churn;
using Commerce.Testing;

namespace Commerce.Intelligence.Tests.Churn;

/// <summary>The churn protocol on the Online Retail file: both cuts' rows, built once.</summary>
public sealed class OnlineRetailChurn : IAsyncLifetime
{
    public static readonly DateTime TrainingCut = new(2011, 6, 11, 0, 0, 0, DateTimeKind.Utc);
    public static readonly DateTime EvaluationCut = new(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);

    public List<OnlineRetailLine> Lines { get; private set; } = [];
    public IReadOnlyList<ChurnExample> Training { get; private set; } = [];
    public IReadOnlyList<ChurnExample> Evaluation { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Lines = await OnlineRetailFile.LoadAsync(Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz"));
        var history = PurchaseHistory.FromOnlineRetail(Lines);
        var builder = new CustomerFeatureBuilder(new FeatureSettings());
        Training = ChurnExamples.Labelled(builder, history, [], new Dictionary<string, CustomerProfile>(), TrainingCut, 90);
        Evaluation = ChurnExamples.Labelled(builder, history, [], new Dictionary<string, CustomerProfile>(), EvaluationCut, 90);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class OnlineRetailChurnTests(OnlineRetailChurn data) : IClassFixture<OnlineRetailChurn>
{
    /// <summary>UK local time in 2011 to UTC: British Summer Time ran from 27 March 01:00 to 30 October 01:00 UTC.</summary>
    private static DateTime Utc(DateTime uk) => uk >= new DateTime(2011, 3, 27, 2, 0, 0) && uk < new DateTime(2011, 10, 30, 2, 0, 0) ? uk.AddHours(-1) : uk;

    /// <summary>The protocol's population and labels, recounted from the raw lines: invoices with a customer, positive quantity and price, not cancellations, goods only.</summary>
    private Dictionary<string, bool> Recount(DateTime cut)
    {
        var sales = data.Lines
            .Where(l => l.CustomerId is not null && l.Quantity > 0 && l.UnitPrice > 0 && !l.InvoiceNo.StartsWith('C') && !ProductImporter.NonProductCodes.Contains(l.StockCode))
            .Select(l => (Customer: l.CustomerId!, At: Utc(l.InvoiceDate)))
            .ToList();
        var after = sales.Where(s => s.At >= cut && s.At < cut.AddDays(90)).Select(s => s.Customer).ToHashSet();
        return sales.Where(s => s.At < cut).Select(s => s.Customer).Distinct().ToDictionary(c => c, c => !after.Contains(c));
    }

    [Fact]
    public void Both_cuts_hold_exactly_the_earlier_buyers_labelled_by_whether_they_bought_in_the_next_90_days()
    {
        Assert.Equal(Recount(OnlineRetailChurn.TrainingCut), data.Training.ToDictionary(e => e.Input.Features.CustomerId, e => e.Churned));
        Assert.Equal(Recount(OnlineRetailChurn.EvaluationCut), data.Evaluation.ToDictionary(e => e.Input.Features.CustomerId, e => e.Churned));
    }

    [Fact]
    public void Fitted_on_june_the_boosted_model_ranks_september_customers_as_well_as_the_reference_and_its_auc_survives_a_pair_count()
    {
        var trainer = new ChurnTrainer(new ChurnOptions());
        var model = trainer.TrainBoosted(data.Training);
        var probabilities = model.Probabilities(data.Evaluation.Select(e => e.Input).ToList());
        var churners = data.Evaluation.Select((e, i) => (e, i)).Where(x => x.e.Churned).Select(x => probabilities[x.i]).ToList();
        var stayers = data.Evaluation.Select((e, i) => (e, i)).Where(x => !x.e.Churned).Select(x => probabilities[x.i]).Order().ToArray();
        // Pairs counted by binary search over the sorted stayers: below counts 1, equal counts half.
        var right = churners.Sum(p =>
        {
            var below = LowerBound(stayers, p);
            return below + (LowerBound(stayers, Math.BitIncrement(p)) - below) / 2.0;
        });
        var quality = model.Evaluate(data.Evaluation);
        Assert.Equal(right / ((double)churners.Count * stayers.Length), quality.Auc, 10);
        Assert.True(quality.Auc >= 0.73, $"AUC {quality.Auc:F4}");
        Assert.True(quality.Auc >= trainer.TrainBaseline(data.Training).Evaluate(data.Evaluation).Auc - 0.01);
    }

    private static int LowerBound(double[] sorted, double value)
    {
        var (lo, hi) = (0, sorted.Length);
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] < value)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
