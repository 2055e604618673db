using Commerce.Catalog.Pricing;
using Microsoft.DurableTask;

namespace Commerce.Orchestrations.OrderLifecycle.Activities;

/// <summary>A cancelled order gives its coupon use back, once.</summary>
public sealed class ReturnCoupon(PricingStore coupons) : TaskActivity<CouponUse, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, CouponUse use) =>
        coupons.ReturnCouponAsync(use.Coupon, use.OrderId);
}
