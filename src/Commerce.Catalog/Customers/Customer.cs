using System.Text.Json.Serialization;

namespace Commerce.Catalog.Customers;

[JsonConverter(typeof(JsonStringEnumConverter<CustomerKind>))]
public enum CustomerKind
{
    [JsonStringEnumMemberName("consumer")] Consumer,
    [JsonStringEnumMemberName("business")] Business,
}

[JsonConverter(typeof(JsonStringEnumConverter<MembershipTier>))]
public enum MembershipTier
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("silver")] Silver,
    [JsonStringEnumMemberName("gold")] Gold,
    [JsonStringEnumMemberName("platinum")] Platinum,
}

/// <summary>
/// A shop customer, identified by the token subject. Businesses buy on their assigned price list and may
/// pay on net terms up to their credit limit. Admins manage the commercial terms; the customer edits the rest.
/// </summary>
public sealed record Customer
{
    public required string Id { get; init; }
    public CustomerKind Kind { get; init; } = CustomerKind.Consumer;
    public string? Name { get; init; }
    public string? Email { get; init; }
    public string? CompanyName { get; init; }
    public string? Industry { get; init; }

    /// <summary>Employees, as one of <see cref="CompanySizes.Bands"/>.</summary>
    public string? CompanySize { get; init; }
    public string? Country { get; init; }
    public string? PriceListId { get; init; }
    public decimal? CreditLimit { get; init; }

    /// <summary>The ISO currency of <see cref="CreditLimit"/>: net terms are granted for orders in it only.</summary>
    public string? CreditCurrency { get; init; }
    public int? PaymentTermsDays { get; init; }

    /// <summary>The approved offer that last set the credit terms, so that applying it again changes nothing.</summary>
    public string? CreditTermsOfferId { get; init; }
    public MembershipTier MembershipTier { get; init; } = MembershipTier.None;
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public const string WithoutCreditTerms = "net terms are for business accounts with credit terms";

    /// <summary>
    /// Why an order of <paramref name="total"/> in <paramref name="currency"/> cannot be paid on net terms, or null
    /// when it can; what the buyer already owes is counted by the payment provider, per currency.
    /// </summary>
    public string? NetTermsRefusal(decimal total, string currency) => this switch
    {
        not { Kind: CustomerKind.Business, CreditLimit: not null, CreditCurrency: not null, PaymentTermsDays: not null } => WithoutCreditTerms,
        _ when !string.Equals(CreditCurrency, currency, StringComparison.Ordinal) => $"net terms are granted in {CreditCurrency}; this order is in {currency}",
        _ when total > CreditLimit => $"the total {total} {currency} is above the credit limit of {CreditLimit} {CreditCurrency}",
        _ => null,
    };
}

public static class CompanySizes
{
    /// <summary>Employee bands, smallest first (the EU's micro, small, medium and large enterprises).</summary>
    public static readonly IReadOnlyList<string> Bands = ["1-9", "10-49", "50-249", "250+"];
}
