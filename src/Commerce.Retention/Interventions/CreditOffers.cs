using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Retention.Audience;

namespace Commerce.Retention.Interventions;

/// <summary>Credit terms an offer proposes or an admin approved: a limit in the account's currency and the days an invoice may wait.</summary>
public sealed record CreditTerms(decimal CreditLimit, string Currency, int PaymentTermsDays);

/// <summary>What a net-terms or credit-limit offer proposes, and what an admin may approve instead.</summary>
public static class CreditOffers
{
    public static bool IsCreditOffer(InterventionKind kind) => kind is InterventionKind.NetTermsOffer or InterventionKind.CreditLimitOffer;

    /// <summary>Net terms are granted in the currency of the account's limit, or the shop's currency before it has one.</summary>
    public static string AccountCurrency(Customer customer, FeatureSettings features) => customer.CreditCurrency ?? features.Currency;

    /// <summary>
    /// <see cref="CampaignSettings.CreditLimitMonths"/> of the account's average monthly spend over the tier window (never
    /// below the limit it has), at the terms it has or <see cref="CampaignSettings.NetTermsDays"/>; null when there is
    /// no spend to base a limit on, or the account's limit is in a currency other than the one spend is summed in.
    /// </summary>
    public static CreditTerms? Propose(CustomerSnapshot snapshot, Customer customer, CampaignSettings settings, FeatureSettings features)
    {
        if (snapshot.TrailingSpend <= 0 || AccountCurrency(customer, features) != features.Currency)
            return null;
        var monthly = snapshot.TrailingSpend * 365m / (12m * features.Tiers.WindowDays);
        var limit = Math.Max(decimal.Round(monthly * settings.CreditLimitMonths, 0, MidpointRounding.AwayFromZero), customer.CreditLimit ?? 0);
        return limit <= 0 ? null : new CreditTerms(limit, features.Currency, customer.PaymentTermsDays ?? settings.NetTermsDays);
    }

    /// <summary>Field errors of terms an admin approves (positive limit, the account's currency, days within the settings' range).</summary>
    public static Dictionary<string, string[]> Validate(decimal? creditLimit, string? currency, int? paymentTermsDays, string accountCurrency, CampaignSettings settings)
    {
        var errors = new Dictionary<string, string[]>();
        if (creditLimit is null)
            errors["creditLimit"] = ["is required: the offer proposes none"];
        else if (creditLimit <= 0)
            errors["creditLimit"] = ["must be more than zero"];
        if (!string.Equals(currency, accountCurrency, StringComparison.Ordinal))
            errors["currency"] = [$"must be {accountCurrency}, the account's currency"];
        if (paymentTermsDays is not { } days || days < 1 || days > settings.MaxNetTermsDays)
            errors["paymentTermsDays"] = [$"must be between 1 and {settings.MaxNetTermsDays}"];
        return errors;
    }
}
