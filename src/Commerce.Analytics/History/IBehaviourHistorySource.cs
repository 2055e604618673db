using Commerce.Events.Behaviour;

namespace Commerce.Analytics.History;

/// <summary>Behaviour events of signed-in customers (views, searches, cart adds...) between two moments.</summary>
public interface IBehaviourHistorySource
{
    Task<IReadOnlyList<BehaviourEvent>> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}
