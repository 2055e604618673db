using Commerce.Orchestrations.OrderLifecycle.Activities;
using Microsoft.DurableTask;

namespace Commerce.Orchestrations.OrderLifecycle;

public static class OrderLifecycleSetup
{
    /// <summary>The order lifecycle orchestrator and every activity it calls, each activity under its class name.</summary>
    public static DurableTaskRegistry AddOrderLifecycle(this DurableTaskRegistry tasks) => tasks
        .AddOrchestrator<OrderLifecycleOrchestrator>(OrderLifecycleOrchestrator.Name)
        .AddActivity<ValidateOrder>()
        .AddActivity<ReserveStock>()
        .AddActivity<AssessRisk>()
        .AddActivity<AuthorizePayment>()
        .AddActivity<CapturePayment>()
        .AddActivity<VoidPayment>()
        .AddActivity<VoidAbandonedPayments>()
        .AddActivity<RefundPayment>()
        .AddActivity<CommitStock>()
        .AddActivity<ReleaseStock>()
        .AddActivity<RestockOrder>()
        .AddActivity<ReturnCoupon>()
        .AddActivity<CreateShipment>()
        .AddActivity<RecordOrderStep>();
}
