using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Retention.Audience;
using Commerce.Retention.Interventions;
using Commerce.Retention.Risk;

namespace Commerce.Retention.Tests.Interventions;

public sealed class InterventionRulesTests
{
    private static InterventionRule Rule(string id, InterventionAction action, LifecycleStage? stage = null, RfmSegment? segment = null, RiskBand? risk = null, CustomerKind? type = null, MembershipTier? tier = null) =>
        new(id, stage, segment, risk, type, tier, action);

    private static readonly InterventionAction Coupon = new(InterventionKind.Coupon, 10, 14);

    private static CustomerSnapshot Customer(LifecycleStage stage, RiskBand? risk, CustomerKind kind = CustomerKind.Consumer, MembershipTier tier = MembershipTier.None) =>
        new("c", stage, RfmSegment.AtRisk, risk, kind, tier, 100, 50, 3);

    [Fact]
    public void The_first_rule_whose_set_conditions_all_match_decides_and_unset_ones_match_anything()
    {
        var table = new InterventionTable(1,
        [
            Rule("wholesale-gold", new InterventionAction(InterventionKind.AccountManagerTask), type: CustomerKind.Business, tier: MembershipTier.Gold),
            Rule("new", new InterventionAction(InterventionKind.WelcomeSeries, 10, 30), stage: LifecycleStage.New),
            Rule("high-risk", Coupon, risk: RiskBand.High),
            Rule("at-risk", new InterventionAction(InterventionKind.ReorderReminder), stage: LifecycleStage.AtRisk),
        ], DateTimeOffset.UnixEpoch, "admin");

        Assert.Equal("wholesale-gold", table.Match(Customer(LifecycleStage.AtRisk, RiskBand.High, CustomerKind.Business, MembershipTier.Gold))?.Id);
        Assert.Equal("high-risk", table.Match(Customer(LifecycleStage.AtRisk, RiskBand.High, CustomerKind.Business, MembershipTier.Silver))?.Id);
        Assert.Equal("at-risk", table.Match(Customer(LifecycleStage.AtRisk, RiskBand.Low))?.Id);
        // Not scored yet: no risk band, so only rules without a risk condition can match.
        Assert.Equal("at-risk", table.Match(Customer(LifecycleStage.AtRisk, null))?.Id);
        Assert.Null(table.Match(Customer(LifecycleStage.Active, RiskBand.Low)));
    }

    [Fact]
    public void A_valid_table_has_no_errors()
    {
        Assert.Empty(InterventionTable.Validate(
        [
            Rule("vip-call", new InterventionAction(InterventionKind.AccountManagerTask), type: CustomerKind.Business, tier: MembershipTier.Platinum),
            Rule("terms", new InterventionAction(InterventionKind.NetTermsOffer), type: CustomerKind.Business, risk: RiskBand.Medium),
            Rule("credit", new InterventionAction(InterventionKind.CreditLimitOffer), type: CustomerKind.Business, tier: MembershipTier.Gold),
            Rule("welcome", new InterventionAction(InterventionKind.WelcomeSeries, 15, 30), stage: LifecycleStage.New),
            Rule("upgrade", new InterventionAction(InterventionKind.TierUpgradeOffer), tier: MembershipTier.Silver),
            Rule("ship", new InterventionAction(InterventionKind.FreeShipping, null, 7), segment: RfmSegment.AboutToSleep),
            Rule("remind", new InterventionAction(InterventionKind.ReorderReminder), stage: LifecycleStage.AtRisk),
            Rule("save", Coupon, risk: RiskBand.High),
        ]));
    }

    [Fact]
    public void Each_broken_rule_is_named_by_field_with_what_is_wrong()
    {
        var errors = InterventionTable.Validate(
        [
            Rule("everyone", Coupon),
            Rule("shadowed", Coupon, risk: RiskBand.High),
            Rule("everyone", new InterventionAction(InterventionKind.Coupon, 80, 14), stage: LifecycleStage.Lapsed),
            Rule("terms-for-all", new InterventionAction(InterventionKind.NetTermsOffer), stage: LifecycleStage.AtRisk),
            Rule("call", new InterventionAction(InterventionKind.AccountManagerTask), type: CustomerKind.Business, stage: LifecycleStage.Active),
            Rule("welcome-late", new InterventionAction(InterventionKind.WelcomeSeries, 10, 30), stage: LifecycleStage.Lapsed),
            Rule("reminder-expires", new InterventionAction(InterventionKind.ReorderReminder, null, 5), stage: LifecycleStage.New),
            Rule("no-expiry", new InterventionAction(InterventionKind.Coupon, 10, null), stage: LifecycleStage.Reactivated),
        ]);

        Assert.Equal(["never applies: every customer it matches is matched first by rule 'everyone'"], errors["rules[1]"]);
        Assert.Equal(["'everyone' is used by an earlier rule"], errors["rules[2].id"]);
        Assert.Equal(["coupon needs percentOff between 1 and 50"], errors["rules[2].action.percentOff"]);
        Assert.Equal(["net_terms_offer is for wholesale accounts: set customerType to business"], errors["rules[3].customerType"]);
        Assert.Equal(["an account manager's time is for high-value accounts: set tier to gold or platinum"], errors["rules[4].tier"]);
        Assert.Equal(["the welcome series is for new buyers: set stage to New"], errors["rules[5].stage"]);
        Assert.Equal(["only coupons, free shipping and the welcome series expire"], errors["rules[6].action.validDays"]);
        Assert.Equal(["coupon needs validDays between 1 and 90"], errors["rules[7].action.validDays"]);
        // Besides those seven: every rule after the first is shadowed by it, as it matches everyone (seven more).
        Assert.Equal(14, errors.Values.Sum(v => v.Length));
    }
}
