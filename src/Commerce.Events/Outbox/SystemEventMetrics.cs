using System.Diagnostics.Metrics;
using Commerce.Telemetry;

namespace Commerce.Events.Outbox;

/// <summary>
/// Order and payment metrics, counted as the outbox appends each event: an event is appended once whatever
/// retries led to it, so the counts agree with the events the lake and partners receive.
/// </summary>
public static class SystemEventMetrics
{
    private static readonly Counter<long> Placed = CommerceTelemetry.Meter.CreateCounter<long>("commerce.orders.placed", "{order}", "Orders placed at checkout.");
    private static readonly Counter<long> Completed = CommerceTelemetry.Meter.CreateCounter<long>("commerce.orders.completed", "{order}", "Orders completed (paid and fulfilled).");
    private static readonly Counter<long> Cancelled = CommerceTelemetry.Meter.CreateCounter<long>("commerce.orders.cancelled", "{order}", "Orders cancelled, by reason.");
    private static readonly Counter<long> PaymentAttempts = CommerceTelemetry.Meter.CreateCounter<long>("commerce.payments.attempts", "{attempt}",
        "Calls to a payment channel, by channel, operation and outcome; the success rate is Approved authorizations over all authorizations.");
    private static readonly Histogram<double> ProcessingTime = CommerceTelemetry.Meter.CreateHistogram<double>("commerce.orders.processing_time", "s",
        "Time from an order being placed to its completion.");

    public static void Appended(SystemEvent e)
    {
        switch (e.Type)
        {
            case SystemEventTypes.OrderPlaced:
                Placed.Add(1);
                break;
            case SystemEventTypes.OrderCompleted:
                Completed.Add(1);
                if (e.DurationMs is { } ms)
                    ProcessingTime.Record(ms / 1000);
                break;
            case SystemEventTypes.OrderCancelled:
                Cancelled.Add(1, new KeyValuePair<string, object?>("reason", e.Reason));
                break;
            case SystemEventTypes.PaymentAttempted:
                PaymentAttempts.Add(1, new("channel", e.Channel), new("operation", e.Operation), new("outcome", e.Outcome));
                break;
        }
    }
}
