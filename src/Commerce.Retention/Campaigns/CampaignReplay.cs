using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Retention.Audience;
using Commerce.Retention.Interventions;

namespace Commerce.Retention.Campaigns;

/// <summary>
/// A campaign design replayed over real history: the customers as of a cut, assigned and held out as the planner
/// does, their outcomes what they really bought in the window after it, plus, if asked, an injected effect (each
/// treated customer who did not buy is made to buy with a fixed probability, from a seed). It shows what the
/// measurement finds when nothing works and when something does, and how small an effect the design can see.
/// </summary>
public sealed class CampaignReplay
{
    /// <summary>The order an injected effect adds: its revenue, margin after the discount and the coupon's cost.</summary>
    public static readonly MemberOrder InjectedOrder = new(default, "", 20m, 7m, 2m);

    private CampaignReplay(DateTime cut, TimeSpan window, IReadOnlyList<CustomerSnapshot> customers, ILookup<string, MemberOrder> orders)
    {
        Cut = cut;
        Window = window;
        Customers = customers;
        Orders = orders;
    }

    public DateTime Cut { get; }
    public TimeSpan Window { get; }

    /// <summary>Everyone who had ordered before the cut, as the rules see them.</summary>
    public IReadOnlyList<CustomerSnapshot> Customers { get; }

    /// <summary>Each customer's real orders in the window (no coupon).</summary>
    public ILookup<string, MemberOrder> Orders { get; }

    /// <param name="currency">the history's currency, which its orders are in.</param>
    /// <param name="marginRate">history carries no costs: an order's margin is taken as this share of its revenue.</param>
    public static CampaignReplay Of(PurchaseHistory history, CustomerFeatureBuilder builder, DateTime cut, TimeSpan window, string currency, decimal marginRate)
    {
        var features = builder.Build(history.Before(cut), [], new Dictionary<string, CustomerProfile>(), cut);
        var orders = history.Between(cut, cut + window).Sales
            .GroupBy(p => (p.CustomerId, p.OrderId))
            .Select(o => (o.Key.CustomerId, Order: new MemberOrder(new DateTimeOffset(o.Min(p => p.At)), currency, o.Sum(p => p.Amount), o.Sum(p => p.Amount) * marginRate, 0)))
            .ToLookup(o => o.CustomerId, o => o.Order);
        return new CampaignReplay(cut, window, [.. features.Customers.Select(f => CustomerSnapshot.From(f, null))], orders);
    }

    /// <summary>A campaign started at the cut and measured over the window.</summary>
    public Campaign Design(string id, double holdoutShare) => new()
    {
        Id = id,
        Name = "Win back at-risk and lapsed buyers",
        RulesVersion = 1,
        HoldoutShare = holdoutShare,
        MeasurementWindow = Window,
        StartedAt = new DateTimeOffset(Cut),
        StartedBy = "campaign-replay",
        CodeSalt = "replay",
    };

    /// <summary>The replay's rules: at risk, a 10% coupon; lapsed, 15%; everyone else a reorder reminder; codes valid for the window.</summary>
    public InterventionTable WinBack() => new(1,
    [
        new InterventionRule("lapsing", LifecycleStage.AtRisk, null, null, null, null, new InterventionAction(InterventionKind.Coupon, 10, (int)Window.TotalDays)),
        new InterventionRule("lapsed", LifecycleStage.Lapsed, null, null, null, null, new InterventionAction(InterventionKind.Coupon, 15, (int)Window.TotalDays)),
        new InterventionRule("others", null, null, null, null, null, new InterventionAction(InterventionKind.ReorderReminder)),
    ], new DateTimeOffset(Cut), "campaign-replay");

    public (IReadOnlyList<CampaignMember> Members, CampaignResults Results) Run(Campaign campaign, InterventionTable table, double injectedEffect, int seed, string currency)
    {
        var from = new DateTimeOffset(Cut);
        var members = CampaignPlanner.Assign(campaign, table, Customers, batchSize: 25);
        var random = new Random(seed);
        var outcomes = members.Select(m =>
        {
            var orders = Orders[m.CustomerId].ToList();
            if (m.Group == CampaignGroup.Treated && orders.Count == 0 && random.NextDouble() < injectedEffect)
                orders.Add(InjectedOrder with { At = from.AddDays(random.Next((int)Window.TotalDays)), Currency = currency });
            return new MemberOutcome(m.Group, orders);
        }).ToList();
        return (members, CampaignMeasurement.Measure(outcomes, from, from + Window, currency));
    }

    /// <summary>
    /// The smallest difference in repurchase rate a design of these group sizes detects 80% of the time at the 5%
    /// level (two-sided), for a base rate <paramref name="rate"/>: (1.96 + 0.84) standard errors of the difference.
    /// </summary>
    public static double DetectableUplift(double rate, int treated, int control) =>
        treated == 0 || control == 0 ? 1 : (1.959964 + 0.841621) * Math.Sqrt(rate * (1 - rate) * (1.0 / treated + 1.0 / control));
}
