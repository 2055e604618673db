using Commerce.Catalog.Customers;

namespace Commerce.Catalog.Tests.Customers;

public sealed class NetTermsTests
{
    private static readonly Customer Trade = new()
    {
        Id = "trade", Kind = CustomerKind.Business, CompanyName = "Trade Ltd", CreditLimit = 1000m, CreditCurrency = "GBP", PaymentTermsDays = 30, CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Theory]
    [InlineData(1000, "GBP", null)]
    [InlineData(1000.01, "GBP", "above the credit limit")]
    [InlineData(10, "EUR", "granted in GBP")]
    [InlineData(10, "gbp", "granted in GBP")]
    public void A_business_gets_net_terms_in_its_credit_currency_up_to_its_limit(decimal total, string currency, string? refusal)
    {
        var answer = Trade.NetTermsRefusal(total, currency);

        if (refusal is null)
            Assert.Null(answer);
        else
            Assert.Contains(refusal, answer, StringComparison.Ordinal);
    }

    [Fact]
    public void Consumers_and_businesses_without_complete_credit_terms_get_none()
    {
        Assert.NotNull((Trade with { Kind = CustomerKind.Consumer }).NetTermsRefusal(1, "GBP"));
        Assert.NotNull((Trade with { CreditCurrency = null }).NetTermsRefusal(1, "GBP"));
        Assert.NotNull((Trade with { CreditLimit = null }).NetTermsRefusal(1, "GBP"));
        Assert.NotNull((Trade with { PaymentTermsDays = null }).NetTermsRefusal(1, "GBP"));
    }
}
