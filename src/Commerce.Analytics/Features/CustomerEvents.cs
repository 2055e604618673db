using System.Globalization;
using Commerce.Events.Outbox;

namespace Commerce.Analytics.Features;

/// <summary>
/// A stored customer's RFM segment or lifecycle stage changing between two computations, as system events about the
/// customer: one type each, so a partner can follow stages (win-back) without segments. A customer's first computation
/// is no change. An id names the computation it moves on from and the new value, so computing again before the new
/// insights are stored (a retry after a crash) derives the same ids.
/// </summary>
public static class CustomerEvents
{
    public static string Subject(string customerId) => "customer:" + customerId;

    public static IReadOnlyList<SystemEvent> Changes(CustomerInsights before, CustomerFeatures after, DateTimeOffset at)
    {
        var changes = new List<SystemEvent>(2);
        if (before.Features.Segment != after.Segment)
            changes.Add(Changed(SystemEventTypes.CustomerSegmentChanged, "segment", before, before.Features.Segment.ToString(), after.Segment.ToString(), at));
        if (before.Features.Stage != after.Stage)
            changes.Add(Changed(SystemEventTypes.CustomerStageChanged, "stage", before, before.Features.Stage.ToString(), after.Stage.ToString(), at));
        return changes;
    }

    private static SystemEvent Changed(string type, string what, CustomerInsights before, string from, string to, DateTimeOffset at) => new()
    {
        Id = $"{Subject(before.Features.CustomerId)}:{what}:{before.ComputedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{to}",
        Type = type,
        Subject = Subject(before.Features.CustomerId),
        Time = at,
        CustomerId = before.Features.CustomerId,
        From = from,
        To = to,
    };
}
