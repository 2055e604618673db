using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Catalog.Products;

namespace Commerce.Catalog.Tests.Pricing;

public sealed class PriceCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static Product Lamp(decimal listPrice = 2.55m, string currency = "GBP", int minimum = 1, int pack = 1, ProductStatus status = ProductStatus.Active) => new()
    {
        Sku = "85123A",
        Name = "White hanging heart T-light holder",
        Category = "candles",
        ListPrice = listPrice,
        Currency = currency,
        MinOrderQuantity = minimum,
        PackSize = pack,
        Status = status,
    };

    private static readonly string[] Path = ["candles", "home", "root"];

    private static readonly PriceList Retail = new()
    {
        Id = "retail",
        Name = "Retail",
        Tiers = [new QuantityTier(1, 9, 0), new QuantityTier(10, 49, 8), new QuantityTier(50, null, 15)],
    };

    private static Quote Price(Product product, int quantity, PriceList? list = null, string? coupon = null, params Promotion[] promotions) =>
        PriceCalculator.Calculate(new PricingInput(product, quantity, Path, list, promotions, coupon, Now));

    [Theory]
    [InlineData(1, "2.55", "2.55")]
    [InlineData(9, "2.55", "22.95")]
    [InlineData(10, "2.346", "23.46")]
    [InlineData(49, "2.346", "114.95")]
    [InlineData(50, "2.1675", "108.38")]
    [InlineData(51, "2.1675", "110.54")]
    [InlineData(200, "2.1675", "433.50")]
    public void Every_tier_boundary_prices_as_its_tier(int quantity, string unit, string total)
    {
        var quote = Price(Lamp(), quantity, Retail);

        Assert.Equal(decimal.Parse(unit, System.Globalization.CultureInfo.InvariantCulture), quote.UnitPrice);
        Assert.Equal(decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture), quote.Total);
        Assert.True(quote.IsValid);
    }

    [Theory]
    [InlineData("0.125", "GBP", "0.12")]
    [InlineData("0.135", "GBP", "0.14")]
    [InlineData("0.145", "EUR", "0.14")]
    [InlineData("100.5", "JPY", "100")]
    [InlineData("101.5", "JPY", "102")]
    [InlineData("1.0005", "KWD", "1.000")]
    [InlineData("1.0015", "BHD", "1.002")]
    public void Lines_round_once_half_even_to_the_minor_unit(string listPrice, string currency, string total)
    {
        var quote = Price(Lamp(decimal.Parse(listPrice, System.Globalization.CultureInfo.InvariantCulture), currency), 1);

        Assert.Equal(decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture), quote.Total);
    }

    [Fact]
    public void Rounding_happens_once_per_line_not_per_unit()
    {
        var quote = Price(Lamp(0.125m), 3);

        Assert.Equal(0.38m, quote.Total);
        Assert.Contains(quote.AppliedRules, r => r.Rule == "rounding" && r.Amount == 0.005m);
    }

    [Fact]
    public void A_contract_price_for_the_sku_wins_over_a_category_percentage()
    {
        var wholesale = new PriceList
        {
            Id = "wholesale",
            Name = "Wholesale",
            Entries = [new PriceListEntry(null, "home", null, 20), new PriceListEntry("85123a", null, 2.00m, null)],
        };

        var quote = Price(Lamp(), 12, wholesale);

        Assert.Equal(2.00m, quote.UnitPrice);
        Assert.Equal(24.00m, quote.Total);
        Assert.Equal(["listPrice", "priceList"], quote.AppliedRules.Select(r => r.Rule));
        Assert.Equal(-6.60m, quote.AppliedRules[1].Amount);
    }

    [Fact]
    public void The_nearest_category_entry_applies_when_the_sku_has_none()
    {
        var list = new PriceList
        {
            Id = "vip",
            Name = "VIP",
            Entries = [new PriceListEntry(null, "root", null, 5), new PriceListEntry(null, "candles", null, 10)],
        };

        Assert.Equal(2.295m, Price(Lamp(), 1, list).UnitPrice);
    }

    [Fact]
    public void Price_list_tier_and_promotion_combine_in_order_and_the_breakdown_adds_up()
    {
        var wholesale = new PriceList
        {
            Id = "wholesale",
            Name = "Wholesale",
            Entries = [new PriceListEntry(null, "candles", null, 20)],
            Tiers = [new QuantityTier(1, 23, 0), new QuantityTier(24, null, 10)],
        };
        var promotion = new Promotion { Id = "p1", Name = "Winter candles", Kind = PromotionKind.PercentOff, Value = 5, Category = "candles" };

        var quote = Price(Lamp(), 24, wholesale, null, promotion);

        // 2.55 -> 2.04 (20% off) -> 1.836 (tier 10%) -> 1.7442 (5% off); x24 = 41.8608 -> 41.86
        Assert.Equal(1.7442m, quote.UnitPrice);
        Assert.Equal(41.86m, quote.Total);
        Assert.Equal(["listPrice", "priceList", "quantityTier", "promotion", "rounding"], quote.AppliedRules.Select(r => r.Rule));
        Assert.Equal(quote.Total, quote.AppliedRules.Sum(r => r.Amount));
    }

    [Fact]
    public void Only_the_best_single_promotion_applies_unless_others_are_stackable()
    {
        var small = new Promotion { Id = "a", Name = "Small", Kind = PromotionKind.PercentOff, Value = 5 };
        var big = new Promotion { Id = "b", Name = "Big", Kind = PromotionKind.AmountOff, Value = 0.50m, Currency = "GBP", Sku = "85123A" };
        var stack = new Promotion { Id = "c", Name = "Members", Kind = PromotionKind.PercentOff, Value = 10, Stackable = true };

        var best = Price(Lamp(), 1, null, null, small, big);
        var stacked = Price(Lamp(), 1, null, null, small, big, stack);

        Assert.Equal(2.05m, best.Total);
        Assert.Equal(["Big"], best.AppliedRules.Where(r => r.Rule == "promotion").Select(r => r.Description.Split(':')[0]));
        Assert.Equal(1.845m, stacked.UnitPrice);
        Assert.Equal(1.84m, stacked.Total);
    }

    [Theory]
    [InlineData(MembershipTier.None, "2.55", "")]
    [InlineData(MembershipTier.Silver, "2.55", "")]
    [InlineData(MembershipTier.Gold, "2.42", "Gold week: 5% off for gold members")]
    [InlineData(MembershipTier.Platinum, "2.42", "Gold week: 5% off for platinum members")]
    public void Members_promotions_apply_only_to_their_membership_tiers(MembershipTier membership, string total, string rule)
    {
        var members = new Promotion { Id = "m", Name = "Gold week", Kind = PromotionKind.PercentOff, Value = 5, MembershipTiers = [MembershipTier.Gold, MembershipTier.Platinum] };

        var quote = PriceCalculator.Calculate(new PricingInput(Lamp(), 1, Path, null, [members], null, Now, membership));

        Assert.Equal(decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture), quote.Total);
        Assert.Equal(rule, quote.AppliedRules.FirstOrDefault(r => r.Rule == "promotion")?.Description ?? "");
    }

    [Theory]
    [InlineData("cust-1", "2.30")]
    [InlineData("cust-2", "2.55")]
    [InlineData("CUST-1", "2.55")]
    [InlineData(null, "2.55")]
    public void A_personal_coupon_prices_only_for_its_customer(string? buyer, string total)
    {
        var personal = new Promotion { Id = "p", Name = "Come back", Kind = PromotionKind.PercentOff, Value = 10, Coupon = "R1", UsageLimit = 1, CustomerId = "cust-1" };

        var quote = PriceCalculator.Calculate(new PricingInput(Lamp(), 1, Path, null, [personal], "R1", Now, CustomerId: buyer));

        Assert.Equal(decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture), quote.Total);
    }

    [Fact]
    public void Coupons_apply_only_when_named_valid_and_not_used_up()
    {
        var coupon = new Promotion { Id = "c", Name = "Welcome", Kind = PromotionKind.PercentOff, Value = 10, Coupon = "WELCOME10", UsageLimit = 2, TimesUsed = 1 };
        var usedUp = coupon with { TimesUsed = 2 };
        var expired = coupon with { ValidTo = Now.AddDays(-1) };
        var future = coupon with { ValidFrom = Now.AddDays(1) };

        Assert.Equal(2.55m, Price(Lamp(), 1, null, null, coupon).Total);
        Assert.Equal(2.30m, Price(Lamp(), 1, null, "welcome10", coupon).Total);
        Assert.Equal(2.55m, Price(Lamp(), 1, null, "WELCOME10", usedUp).Total);
        Assert.Equal(2.55m, Price(Lamp(), 1, null, "WELCOME10", expired).Total);
        Assert.Equal(2.55m, Price(Lamp(), 1, null, "WELCOME10", future).Total);
    }

    [Fact]
    public void An_amount_off_never_makes_a_price_negative()
    {
        var huge = new Promotion { Id = "h", Name = "Clearance", Kind = PromotionKind.AmountOff, Value = 10m, Currency = "GBP" };

        Assert.Equal(0m, Price(Lamp(), 3, null, null, huge).Total);
    }

    [Theory]
    [InlineData("GBP", "GBP", "2.05")]
    [InlineData("EUR", "GBP", "2.55")]
    [InlineData("EUR", "EUR", "2.05")]
    [InlineData("USD", null, "2.55")]
    public void An_amount_off_applies_only_to_prices_in_its_currency(string productCurrency, string? promotionCurrency, string total)
    {
        var off = new Promotion { Id = "o", Name = "Half off", Kind = PromotionKind.AmountOff, Value = 0.50m, Currency = promotionCurrency };
        var expected = decimal.Parse(total, System.Globalization.CultureInfo.InvariantCulture);

        var quote = Price(Lamp(currency: productCurrency), 1, null, null, off);

        Assert.Equal(expected, quote.Total);
        Assert.Equal(expected == 2.55m ? 0 : 1, quote.AppliedRules.Count(r => r.Rule == "promotion"));
    }

    [Theory]
    [InlineData(5, 6, 6, true)]
    [InlineData(12, 6, 6, true)]
    [InlineData(6, 12, 6, false)]
    [InlineData(13, 6, 6, false)]
    [InlineData(7, 1, 1, true)]
    public void Minimum_quantities_and_pack_sizes_refuse_lines_that_do_not_fit(int quantity, int minimum, int pack, bool _)
    {
        var quote = Price(Lamp(minimum: minimum, pack: pack), quantity);

        var fits = quantity >= minimum && quantity % pack == 0;
        Assert.Equal(fits, quote.IsValid);
        if (!fits)
            Assert.All(quote.Problems, p => Assert.Equal("quantity", p.Field));
    }

    [Fact]
    public void A_price_list_entry_can_set_its_own_minimum_and_pack()
    {
        var list = new PriceList { Id = "w", Name = "W", Entries = [new PriceListEntry("85123A", null, null, 10, MinOrderQuantity: 24, PackSize: 12)] };

        Assert.False(Price(Lamp(), 12, list).IsValid);
        Assert.False(Price(Lamp(), 30, list).IsValid);
        Assert.True(Price(Lamp(), 36, list).IsValid);
    }

    [Fact]
    public void Products_that_are_not_active_or_quantities_below_one_cannot_be_ordered()
    {
        Assert.Equal("sku", Assert.Single(Price(Lamp(status: ProductStatus.Archived), 1).Problems).Field);
        Assert.Equal("quantity", Assert.Single(Price(Lamp(), 0).Problems).Field);
    }
}
