using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Retention.Audience;
using Commerce.Retention.Risk;

namespace Commerce.Retention.Interventions;

[JsonConverter(typeof(JsonStringEnumConverter<InterventionKind>))]
public enum InterventionKind
{
    /// <summary>A single-use percentage coupon that expires.</summary>
    [JsonStringEnumMemberName("coupon")] Coupon,

    /// <summary>A reminder listing the items the buyer is due to reorder.</summary>
    [JsonStringEnumMemberName("reorder_reminder")] ReorderReminder,

    /// <summary>Free shipping on the next order within the validity (this shop charges no shipping yet, so it is a promise in the message).</summary>
    [JsonStringEnumMemberName("free_shipping")] FreeShipping,

    /// <summary>A task for the account manager of a high-value wholesale account; no message to the customer.</summary>
    [JsonStringEnumMemberName("account_manager_task")] AccountManagerTask,

    /// <summary>An offer of net payment terms, waiting for an admin's approval before the customer hears of it.</summary>
    [JsonStringEnumMemberName("net_terms_offer")] NetTermsOffer,

    /// <summary>An offer of a higher credit limit, waiting for an admin's approval.</summary>
    [JsonStringEnumMemberName("credit_limit_offer")] CreditLimitOffer,

    /// <summary>What spending a little more would unlock: the next membership tier.</summary>
    [JsonStringEnumMemberName("tier_upgrade_offer")] TierUpgradeOffer,

    /// <summary>The welcome series that takes a new buyer from the first order to the second.</summary>
    [JsonStringEnumMemberName("welcome_series")] WelcomeSeries,
}

/// <param name="PercentOff">for coupons and the welcome series' second-order code: the discount, 1 to 50.</param>
/// <param name="ValidDays">for coupons, the welcome series and free shipping: days the offer stays valid, 1 to 90.</param>
public sealed record InterventionAction(InterventionKind Kind, decimal? PercentOff = null, int? ValidDays = null)
{
    /// <summary>Actions that reach the customer straight away; the others wait for staff (a task, an approval).</summary>
    public bool MessagesCustomer => Kind is not (InterventionKind.AccountManagerTask or InterventionKind.NetTermsOffer or InterventionKind.CreditLimitOffer);

    /// <summary>Actions that hand the customer a single-use percentage code through the pricing module.</summary>
    public bool IssuesCode => Kind is InterventionKind.Coupon or InterventionKind.WelcomeSeries;

    /// <summary>Actions whose offer runs out.</summary>
    public bool Expires => IssuesCode || Kind == InterventionKind.FreeShipping;
}

/// <summary>One row of the table: when every condition that is set matches, the customer gets <see cref="Action"/>.</summary>
public sealed record InterventionRule(
    string Id,
    LifecycleStage? Stage,
    RfmSegment? Segment,
    RiskBand? Risk,
    CustomerKind? CustomerType,
    MembershipTier? Tier,
    InterventionAction Action)
{
    public bool Matches(CustomerSnapshot customer) =>
        (Stage is null || Stage == customer.Stage)
        && (Segment is null || Segment == customer.Segment)
        && (Risk is null || Risk == customer.Risk)
        && (CustomerType is null || CustomerType == customer.Kind)
        && (Tier is null || Tier == customer.Tier);

    /// <summary>Every customer this rule matches, <paramref name="other"/> matches too.</summary>
    public bool IsCoveredBy(InterventionRule other) =>
        (other.Stage is null || other.Stage == Stage)
        && (other.Segment is null || other.Segment == Segment)
        && (other.Risk is null || other.Risk == Risk)
        && (other.CustomerType is null || other.CustomerType == CustomerType)
        && (other.Tier is null || other.Tier == Tier);
}

/// <summary>
/// The interventions table as saved: rules in order, the first that matches a customer decides what they get.
/// Every save is a new version; campaigns name the version they ran with.
/// </summary>
public sealed record InterventionTable(int Version, IReadOnlyList<InterventionRule> Rules, DateTimeOffset SavedAt, string SavedBy)
{
    public InterventionRule? Match(CustomerSnapshot customer) => Rules.FirstOrDefault(r => r.Matches(customer));

    public const int MaxRules = 200;

    /// <summary>What is wrong with a table, by field ("rules[2].action.percentOff"); empty when it can be saved.</summary>
    public static Dictionary<string, string[]> Validate(IReadOnlyList<InterventionRule> rules)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];
        if (rules.Count > MaxRules)
            Add("rules", $"at most {MaxRules} rules");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var at = $"rules[{i}]";
            if (!seen.Add(rule.Id))
                Add($"{at}.id", $"'{rule.Id}' is used by an earlier rule");
            var action = rule.Action;
            if (action.IssuesCode && action.PercentOff is not (>= 1 and <= 50))
                Add($"{at}.action.percentOff", $"{Name(action.Kind)} needs percentOff between 1 and 50");
            if (!action.IssuesCode && action.PercentOff is not null)
                Add($"{at}.action.percentOff", "only a coupon and the welcome series have percentOff");
            if (action.Expires && action.ValidDays is not (>= 1 and <= 90))
                Add($"{at}.action.validDays", $"{Name(action.Kind)} needs validDays between 1 and 90");
            if (!action.Expires && action.ValidDays is not null)
                Add($"{at}.action.validDays", "only coupons, free shipping and the welcome series expire");
            if (action.Kind is InterventionKind.AccountManagerTask or InterventionKind.NetTermsOffer or InterventionKind.CreditLimitOffer && rule.CustomerType != CustomerKind.Business)
                Add($"{at}.customerType", $"{Name(action.Kind)} is for wholesale accounts: set customerType to business");
            if (action.Kind == InterventionKind.AccountManagerTask && rule.Tier is not (MembershipTier.Gold or MembershipTier.Platinum))
                Add($"{at}.tier", "an account manager's time is for high-value accounts: set tier to gold or platinum");
            if (action.Kind == InterventionKind.WelcomeSeries && rule.Stage != LifecycleStage.New)
                Add($"{at}.stage", "the welcome series is for new buyers: set stage to New");
            if (action.Kind == InterventionKind.TierUpgradeOffer && rule.Tier == MembershipTier.Platinum)
                Add($"{at}.tier", "platinum is the highest tier: there is nothing to upgrade to");
            if (rules.Take(i).FirstOrDefault(earlier => rule.IsCoveredBy(earlier)) is { } shadow)
                Add(at, $"never applies: every customer it matches is matched first by rule '{shadow.Id}'");
        }
        return errors;
    }

    public static string Name(InterventionKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());
}
