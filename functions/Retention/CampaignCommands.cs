using System.Globalization;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Analytics.Lake;
using Commerce.Hosting;
using Commerce.Retention;
using Commerce.Retention.Campaigns;

namespace Commerce.Functions.Retention;

/// <summary>The offline campaign command: a campaign design replayed over real history, with and without an injected effect.</summary>
public static class CampaignCommands
{
    public static readonly DateTime DefaultCut = new(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// `campaign-replay --data online_retail.csv.gz [--cut yyyy-MM-dd] [--window-days 30] [--holdout 0.1] [--effect 0.1] [--seed 11]`:
    /// the customers as of the cut, a win-back table (at risk: 10% coupon; lapsed: 15% coupon; everyone else: a reorder
    /// reminder), the holdout drawn as campaigns draw it, outcomes from what they really bought in the window; measured
    /// once as it happened (no effect) and once with the injected effect, and the smallest uplift the design detects.
    /// </summary>
    public static async Task<int> ReplayAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        var settings = services.GetRequiredService<CampaignSettings>();
        if (options.GetValueOrDefault("data") is not { } path || !File.Exists(path))
        {
            await Console.Error.WriteLineAsync("campaign-replay needs --data <online_retail.csv[.gz]> (an existing file).");
            return 64;
        }
        if (!options.TryGet("cut", DefaultCut, CommandArguments.UtcDay, out var cut)
            || !options.TryGet("window-days", 30, s => int.TryParse(s, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 365 ? v : null, out var windowDays)
            || !options.TryGet("holdout", settings.HoldoutShare, s => double.TryParse(s, CultureInfo.InvariantCulture, out var v) && v is > 0 and < 1 ? v : null, out var holdout)
            || !options.TryGet("effect", 0.1, s => double.TryParse(s, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 1 ? v : null, out var effect)
            || !options.TryGet("seed", 11, s => int.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v : null, out var seed))
        {
            await Console.Error.WriteLineAsync("campaign-replay: --cut is a date (yyyy-MM-dd), --window-days 1-365, --holdout and --effect shares (0-1), --seed an integer.");
            return 64;
        }
        var currency = services.GetRequiredService<FeatureSettings>().Currency;
        var history = PurchaseHistory.FromOnlineRetail(await OnlineRetailFile.LoadAsync(path));
        var replay = CampaignReplay.Of(history, services.GetRequiredService<CustomerFeatureBuilder>(), cut, TimeSpan.FromDays(windowDays), currency, settings.DefaultMarginRate);
        var campaign = replay.Design(FormattableString.Invariant($"replay-{cut:yyyy-MM-dd}"), holdout);
        var table = replay.WinBack();

        await output.WriteLineAsync(Invariant($"campaign replay as of {cut:yyyy-MM-dd}, window {windowDays} days, holdout {holdout:P0}, seed {seed}; {replay.Customers.Count} customers had ordered before the cut"));
        foreach (var (name, injected) in new[] { ("as it happened (no effect)", 0.0), (Invariant($"injected effect {effect:P0} of the treated who did not buy"), effect) })
        {
            var (members, results) = replay.Run(campaign, table, injected, seed, currency);
            await output.WriteLineAsync(name + ":");
            await output.WriteLineAsync(Invariant($"  audience {members.Count}: treated {results.Treated.Customers}, control {results.Control.Customers}"));
            await output.WriteLineAsync(Invariant($"  repurchase: treated {results.Treated.RepurchaseRate:P1}, control {results.Control.RepurchaseRate:P1}; uplift {Points(results.RepurchaseUplift)}"));
            await output.WriteLineAsync(Invariant($"  retention:  treated {results.Treated.RetentionRate:P1}, control {results.Control.RetentionRate:P1}; uplift {Points(results.RetentionUplift)}"));
            await output.WriteLineAsync(Invariant($"  coupon cost {results.Currency} {results.CouponCost:N2}, incremental revenue {results.IncrementalRevenue:N2} {Range(results.IncrementalRevenueInterval)}, incremental margin {results.IncrementalMargin:N2} {Range(results.IncrementalMarginInterval)}"));
            if (injected == 0)
                await output.WriteLineAsync(Invariant($"  smallest repurchase uplift this design detects (80% power, 5% two-sided): {CampaignReplay.DetectableUplift(results.Control.RepurchaseRate, results.Treated.Customers, results.Control.Customers) * 100:F1} points"));
        }
        return 0;
    }

    private static string Points(Uplift uplift) =>
        Invariant($"{uplift.Estimate * 100:+0.0;-0.0} points (95% CI {uplift.Low * 100:+0.0;-0.0} to {uplift.High * 100:+0.0;-0.0}){(uplift.Significant ? ", significant" : ", not significant")}");

    private static string Range(MoneyInterval? interval) => interval is null ? "" : Invariant($"(95% CI {interval.Low:N0} to {interval.High:N0})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
