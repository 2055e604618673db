using Commerce.Durable;
using Commerce.Orchestrations.OrderLifecycle.Activities;

namespace Commerce.Orchestrations.OrderLifecycle;

public static class OrderLifecycleSetup
{
    /// <summary>The order lifecycle orchestrator and every activity it calls.</summary>
    public static DurableTaskRegistry AddOrderLifecycle(this DurableTaskRegistry tasks) => tasks
        .AddOrchestrator<OrderLifecycleOrchestrator, OrderLifecycleInput, OrderLifecycleResult>(OrderLifecycleOrchestrator.Name)
        .AddActivity<ValidateOrder, OrderLifecycleInput, ValidationOutcome>(OrderActivities.Validate)
        .AddActivity<ReserveStock, ReserveRequest, ReservationOutcome>(OrderActivities.Reserve)
        .AddActivity<AssessRisk, OrderLifecycleInput, RiskOutcome>(OrderActivities.AssessRisk)
        .AddActivity<AuthorizePayment, PaymentRequest, PaymentAuthorization>(OrderActivities.Authorize)
        .AddActivity<CapturePayment, PaymentReference, bool>(OrderActivities.Capture)
        .AddActivity<VoidPayment, PaymentReference, bool>(OrderActivities.Void)
        .AddActivity<VoidAbandonedPayments, AbandonedPayments, int>(OrderActivities.VoidAbandoned)
        .AddActivity<RefundPayment, PaymentReference, bool>(OrderActivities.Refund)
        .AddActivity<CommitStock, string, bool>(OrderActivities.Commit)
        .AddActivity<ReleaseStock, string, bool>(OrderActivities.Release)
        .AddActivity<RestockOrder, string, bool>(OrderActivities.Restock)
        .AddActivity<ReturnCoupon, CouponUse, bool>(OrderActivities.ReturnCoupon)
        .AddActivity<CreateShipment, string, string>(OrderActivities.CreateShipment)
        .AddActivity<RecordOrderStep, OrderSteps, bool>(OrderActivities.Record);
}
