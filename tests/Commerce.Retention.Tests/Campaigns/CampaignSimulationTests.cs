using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Retention.Audience;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Testing;

namespace Commerce.Retention.Tests.Campaigns;

/// <summary>The Online Retail customers as of 2011-09-09, with what each really bought in the 30 days after.</summary>
public sealed class RetailCampaignReplay : IAsyncLifetime
{
    public static readonly DateTime Cut = new(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);
    public static readonly TimeSpan Window = TimeSpan.FromDays(30);

    public CampaignReplay Replay { get; private set; } = null!;

    public IReadOnlyList<CustomerSnapshot> Customers => Replay.Customers;

    /// <summary>Everyone with a sale in the window, read by the test from the history itself.</summary>
    public IReadOnlySet<string> Buyers { get; private set; } = new HashSet<string>();

    public async Task InitializeAsync()
    {
        var history = PurchaseHistory.FromOnlineRetail(await OnlineRetailFile.LoadAsync(Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz")));
        Replay = CampaignReplay.Of(history, new CustomerFeatureBuilder(new FeatureSettings()), Cut, Window, marginRate: 0.35m);
        Buyers = history.Lines.Where(p => p.At >= Cut && p.At < Cut + Window && p.Quantity > 0).Select(p => p.CustomerId).ToHashSet(StringComparer.Ordinal);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// A campaign replayed over real history: the audience and holdout as the planner chooses them, outcomes from what
/// customers really did, plus (in one run) an injected effect: each treated customer who did not buy is made to buy
/// with a fixed probability, from a fixed seed. The measurement must find the effect, and find none where none is.
/// </summary>
public sealed class CampaignSimulationTests(RetailCampaignReplay data) : IClassFixture<RetailCampaignReplay>
{
    private static readonly DateTimeOffset From = new(RetailCampaignReplay.Cut);

    private (IReadOnlyList<CampaignMember> Members, CampaignResults Results) Replay(double injectedEffect, int seed)
    {
        var campaign = data.Replay.Design("replay-2011-09", holdoutShare: 0.3);
        var table = data.Replay.WinBack();
        return data.Replay.Run(campaign, table, injectedEffect, seed, "GBP");
    }

    [Fact]
    public void With_no_effect_the_uplift_interval_covers_zero_and_the_rates_match_a_recount()
    {
        var (members, results) = Replay(injectedEffect: 0, seed: 11);

        Assert.False(results.RepurchaseUplift.Significant, $"{results.RepurchaseUplift}");
        var control = members.Where(m => m.Group == CampaignGroup.Control).ToList();
        var bought = control.Count(m => data.Buyers.Contains(m.CustomerId));
        Assert.Equal((control.Count, bought), (results.Control.Customers, results.Control.Repurchased));
        // Everyone matched one rule; about 30% were held out.
        Assert.Equal(data.Customers.Count, members.Count);
        Assert.InRange(control.Count / (double)members.Count, 0.27, 0.33);
    }

    [Fact]
    public void With_an_injected_effect_the_uplift_is_found_near_its_size()
    {
        var (members, results) = Replay(injectedEffect: 0.2, seed: 11);

        Assert.True(results.RepurchaseUplift.Low > 0, $"{results.RepurchaseUplift}");
        // The effect converts 20% of the treated who did not buy: about 0.2 x (1 - their base rate).
        var (noEffectMembers, noEffect) = Replay(0, 11);
        var expected = 0.2 * (1 - noEffect.Treated.RepurchaseRate);
        Assert.InRange(results.RepurchaseUplift.Estimate - noEffect.RepurchaseUplift.Estimate, expected - 0.03, expected + 0.03);
        Assert.Equal(noEffectMembers.Select(m => (m.CustomerId, m.Group)), members.Select(m => (m.CustomerId, m.Group)));
    }

    [Fact]
    public void The_holdout_draw_depends_on_the_campaign_and_the_customer_only()
    {
        var shuffled = data.Customers.Reverse().ToList();
        Assert.Equal(
            data.Customers.Select(c => CampaignPlanner.IsHeldOut("a", c.CustomerId, 0.1)),
            data.Customers.Select(c => CampaignPlanner.IsHeldOut("a", c.CustomerId, 0.1)));
        var inA = data.Customers.Where(c => CampaignPlanner.IsHeldOut("a", c.CustomerId, 0.1)).Select(c => c.CustomerId).ToHashSet();
        var inB = shuffled.Where(c => CampaignPlanner.IsHeldOut("b", c.CustomerId, 0.1)).Select(c => c.CustomerId).ToHashSet();
        Assert.InRange(inA.Count / (double)data.Customers.Count, 0.08, 0.12);
        // Another campaign holds out other customers: the overlap is what chance gives (about 10% of 10%).
        Assert.InRange(inA.Intersect(inB).Count() / (double)data.Customers.Count, 0.0, 0.03);
    }
}
