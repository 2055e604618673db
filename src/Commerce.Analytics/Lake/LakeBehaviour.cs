using Commerce.Analytics.History;
using Commerce.Events.Behaviour;

namespace Commerce.Analytics.Lake;

/// <summary>Customers' behaviour events as the lake holds them, for models that read features at a cut.</summary>
public sealed class LakeBehaviour(Lake lake) : IBehaviourHistorySource
{
    public async Task<IReadOnlyList<BehaviourEvent>> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        return LakeHistory.LoadBehaviour(session, from.UtcDateTime, to.UtcDateTime);
    }
}
