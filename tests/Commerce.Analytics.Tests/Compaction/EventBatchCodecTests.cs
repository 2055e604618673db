using Commerce.Events.Behaviour;

namespace Commerce.Analytics.Tests.Compaction;

public sealed class EventBatchCodecTests
{
    [Fact]
    public void A_batch_comes_back_from_the_inbox_form_as_it_went_in()
    {
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.FromHours(2));
        var events = new List<BehaviourEvent>
        {
            new("a", BehaviourEventTypes.RecommendationClicked, at, "customer-1", "device-1")
            {
                ReceivedAt = at.AddSeconds(1), ClientTime = at.AddDays(3), ClockSkewed = true, Sku = "SKU-1", Query = "ünïcode ☕", Slot = "home",
                Position = 0, Experiment = "exp", Variant = "b",
            },
            new("b", BehaviourEventTypes.Search, at, null, "device-2") { ReceivedAt = at, Query = "" },
        };

        var decoded = EventBatchCodec.Decode(EventBatchCodec.Encode(events));

        // Times come back in UTC, the same instants.
        Assert.Equal(events.Select(e => e with { Time = e.Time.ToUniversalTime(), ReceivedAt = e.ReceivedAt.ToUniversalTime(), ClientTime = e.ClientTime?.ToUniversalTime() }), decoded);
        Assert.Equal(TimeSpan.Zero, decoded[0].Time.Offset);
        Assert.Throws<InvalidDataException>(() => EventBatchCodec.Decode([9, 0]));
    }
}
