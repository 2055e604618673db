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
        Replay = CampaignReplay.Of(history, new CustomerFeatureBuilder(new FeatureSettings()), Cut, Window, "GBP", marginRate: 0.35m);
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
        var everyone = new InterventionTable(1, [new InterventionRule("all", null, null, null, null, null, new InterventionAction(InterventionKind.ReorderReminder))], From, "test");
        Dictionary<string, CampaignGroup> Groups(string campaignId, IReadOnlyList<CustomerSnapshot> audience) =>
            CampaignPlanner.Assign(new Campaign
            {
                Id = campaignId, Name = campaignId, RulesVersion = 1, HoldoutShare = 0.1, MeasurementWindow = RetailCampaignReplay.Window,
                StartedAt = From, StartedBy = "test", CodeSalt = "salt",
            }, everyone, audience, 25).ToDictionary(m => m.CustomerId, m => m.Group);
        var all = data.Customers.Count;
        var inA = Groups("a", data.Customers);

        // Half of the same customers, shuffled among 500 others: each keeps the group it had.
        var random = new Random(5);
        var kept = data.Customers.Where((_, i) => i % 2 == 0).ToList();
        var others = data.Customers.Take(500).Select(c => c with { CustomerId = "other-" + c.CustomerId });
        var again = Groups("a", kept.Concat(others).OrderBy(_ => random.Next()).ToList());
        Assert.Contains(kept, c => inA[c.CustomerId] == CampaignGroup.Control);
        Assert.All(kept, c => Assert.Equal(inA[c.CustomerId], again[c.CustomerId]));

        // Another campaign holds out other customers: the overlap is what chance gives (about 10% of 10%).
        var heldInA = inA.Where(m => m.Value == CampaignGroup.Control).Select(m => m.Key).ToHashSet();
        var heldInB = Groups("b", data.Customers).Where(m => m.Value == CampaignGroup.Control).Select(m => m.Key).ToHashSet();
        Assert.InRange(heldInA.Count / (double)all, 0.08, 0.12);
        Assert.InRange(heldInB.Count / (double)all, 0.08, 0.12);
        Assert.InRange(heldInA.Intersect(heldInB).Count() / (double)all, 0.0, 0.03);
    }
}
