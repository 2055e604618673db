using Commerce.Events.Outbox;
using Commerce.Storage.Documents;

namespace Commerce.Experiments;

/// <summary>What a customer was given: the variant, and whether this call logged the exposure.</summary>
/// <param name="Enrolled">false when the experiment was not running and the customer had not been exposed: they get the control.</param>
public sealed record Assignment(string Experiment, string Variant, bool Enrolled);

/// <summary>
/// Experiments and their exposures. An exposure is recorded in the outbox as an <c>experiment_exposed</c> system
/// event (its id derived from experiment and customer, so it reaches the lake once however often it is recorded),
/// then remembered per customer; the next call finds the mark and records nothing. A crash between the two only
/// records the same event again. The mark also freezes the customer's variant when the experiment stops.
/// </summary>
public sealed class ExperimentStore(IDocumentStore documents, EventOutbox outbox, TimeProvider time)
{
    public const string Container = "experiments";
    public const string ExposuresContainer = "experiment-exposures";
    private const string DocumentId = "experiment";

    public static string[] Containers => [Container, ExposuresContainer];

    /// <returns>false when the id is taken.</returns>
    public async Task<bool> CreateAsync(Experiment experiment, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        try
        {
            await container.CreateAsync(experiment.Id, DocumentId, experiment, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DocumentConflictException)
        {
            return false;
        }
    }

    public const int MaxIdLength = 64;

    /// <summary>An id an admin may choose (it names the experiment in the lake): 1-64 lower-case letters, digits and '-'.</summary>
    public static bool IsId(string id) => id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    public static string NewId() => Guid.NewGuid().ToString("N");

    public async Task<Experiment?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!IsId(id))
            return null;
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        return (await container.ReadAsync<Experiment>(id, DocumentId, cancellationToken).ConfigureAwait(false))?.Value;
    }

    /// <summary>Draft to running, or running to stopped; any other move changes nothing and answers the experiment as it is.</summary>
    /// <returns>null when there is no such experiment.</returns>
    public async Task<Experiment?> MoveAsync(string id, ExperimentStatus to, CancellationToken cancellationToken = default)
    {
        if (!IsId(id))
            return null;
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        return await container.ChangeAsync<Experiment>(id, DocumentId, current => current switch
        {
            { Status: ExperimentStatus.Draft } when to == ExperimentStatus.Running => current with { Status = to, StartedAt = now },
            { Status: ExperimentStatus.Running } when to == ExperimentStatus.Stopped => current with { Status = to, StoppedAt = now },
            _ => current,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The customer's variant; while the experiment runs, their first call logs the exposure.</summary>
    public async Task<Assignment> ExposeAsync(Experiment experiment, string customerId, CancellationToken cancellationToken = default)
    {
        var marks = await documents.GetContainerAsync(ExposuresContainer, cancellationToken).ConfigureAwait(false);
        var mark = await marks.ReadAsync<ExposureMark>(customerId, experiment.Id, cancellationToken).ConfigureAwait(false);
        if (mark is { } found)
            return new Assignment(experiment.Id, found.Value.Variant, true);
        if (experiment.Status != ExperimentStatus.Running)
            return new Assignment(experiment.Id, experiment.Control, false);

        var variant = experiment.Assign(customerId);
        var exposedAt = time.GetUtcNow();
        await outbox.RecordAsync($"experiment:{experiment.Id}:{customerId}",
        [
            new SystemEvent
            {
                Id = $"exposure-{experiment.Id}-{customerId}",
                Type = SystemEventTypes.ExperimentExposed,
                Subject = $"experiment:{experiment.Id}:{customerId}",
                Time = exposedAt,
                CustomerId = customerId,
                Experiment = experiment.Id,
                Variant = variant,
            },
        ], cancellationToken).ConfigureAwait(false);
        try
        {
            await marks.CreateAsync(customerId, experiment.Id, new ExposureMark(variant, exposedAt), cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // A concurrent first call marked it: the variant is the same, being the same hash.
        }
        return new Assignment(experiment.Id, variant, true);
    }

    private sealed record ExposureMark(string Variant, DateTimeOffset ExposedAt);
}
