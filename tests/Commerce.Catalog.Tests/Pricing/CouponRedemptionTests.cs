using System.Text;
using Commerce.Catalog.Pricing;
using Commerce.Storage.Documents;

namespace Commerce.Catalog.Tests.Pricing;

public sealed class CouponRedemptionTests(CatalogStores stores) : IClassFixture<CatalogStores>
{
    private readonly PricingStore _pricing = new(stores.Documents, TimeProvider.System);

    private async Task<Promotion> CouponAsync(int? limit)
    {
        var id = $"promo-{Guid.NewGuid():N}"[..16];
        return await _pricing.CreatePromotionAsync(new Promotion
        {
            Id = id, Name = "Ten off", Kind = PromotionKind.PercentOff, Value = 10, Coupon = $"C{id}", UsageLimit = limit,
        });
    }

    private async Task<string> StoredJsonAsync(Promotion promotion) =>
        Encoding.UTF8.GetString((await (await stores.Documents.GetContainerAsync(PricingStore.PromotionsContainer)).ReadAsync("all", promotion.Id))!.Json.Span);

    private async Task<int> TimesUsedAsync(Promotion promotion) => (await _pricing.PromotionsAsync()).Single(p => p.Id == promotion.Id).TimesUsed;

    /// <summary>The uses on record, counted from the redemption records themselves.</summary>
    private async Task<int> RecordedUsesAsync(Promotion promotion) =>
        (await (await stores.Documents.GetContainerAsync(PricingStore.RedemptionsContainer)).QueryAllAsync(promotion.Id, DocumentQuery.All))
        .Count(d => d.Deserialize<CouponRedemption>().State == RedemptionState.Redeemed);

    [Fact]
    public async Task A_coupon_document_stays_the_same_size_however_often_it_is_used()
    {
        var coupon = await CouponAsync(limit: 500);
        Assert.True(await _pricing.RedeemCouponAsync(coupon.Coupon!, "order-first"));
        var afterOne = await StoredJsonAsync(coupon);

        var orders = Enumerable.Range(0, 40).Select(i => $"order-{coupon.Id}-{i}").ToList();
        foreach (var order in orders)
            Assert.True(await _pricing.RedeemCouponAsync(coupon.Coupon!, order));

        var afterMany = await StoredJsonAsync(coupon);
        Assert.DoesNotContain(orders, afterMany.Contains);
        // Only the counters' digits may grow.
        Assert.InRange(afterMany.Length, afterOne.Length, afterOne.Length + 4);
        Assert.Equal(41, await TimesUsedAsync(coupon));
        Assert.Equal(41, await RecordedUsesAsync(coupon));
    }

    [Fact]
    public async Task Parallel_redemptions_of_a_limited_coupon_stop_at_its_limit_and_each_order_counts_once()
    {
        var coupon = await CouponAsync(limit: 10);

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).SelectMany(i => new[] { i, i }).Select(i => Task.Run(async () => (Order: i, Redeemed: await _pricing.RedeemCouponAsync(coupon.Coupon!, $"par-{coupon.Id}-{i}")))));

        Assert.All(answers.GroupBy(a => a.Order), g => Assert.Single(g.Select(a => a.Redeemed).Distinct()));
        Assert.Equal(10, answers.Where(a => a.Redeemed).Select(a => a.Order).Distinct().Count());
        Assert.Equal((10, 10), (await TimesUsedAsync(coupon), await RecordedUsesAsync(coupon)));
        Assert.DoesNotContain("par-", await StoredJsonAsync(coupon));
    }

    [Fact]
    public async Task A_cancelled_order_gives_its_use_back_once_and_the_coupon_can_be_used_again()
    {
        var coupon = await CouponAsync(limit: 1);
        Assert.True(await _pricing.RedeemCouponAsync(coupon.Coupon!, "cancelled-order"));
        Assert.False(await _pricing.RedeemCouponAsync(coupon.Coupon!, "second-order"));

        Assert.True(await _pricing.ReturnCouponAsync(coupon.Coupon!, "cancelled-order"));
        Assert.True(await _pricing.ReturnCouponAsync(coupon.Coupon!, "cancelled-order"));
        Assert.False(await _pricing.ReturnCouponAsync(coupon.Coupon!, "never-used-it"));
        Assert.Equal(0, await TimesUsedAsync(coupon));

        Assert.True(await _pricing.RedeemCouponAsync(coupon.Coupon!, "third-order"));
        Assert.False(await _pricing.RedeemCouponAsync(coupon.Coupon!, "cancelled-order"));
        Assert.Equal((1, 1), (await TimesUsedAsync(coupon), await RecordedUsesAsync(coupon)));
    }
}
