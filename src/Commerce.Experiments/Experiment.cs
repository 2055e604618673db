using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Commerce.Experiments;

public enum ExperimentStatus
{
    Draft,
    Running,
    Stopped,
}

/// <param name="Weight">the variant's share of traffic, relative to the others' weights.</param>
public sealed record ExperimentVariant(string Name, int Weight);

/// <summary>
/// An A/B (or A/B/n) test. The first variant is the control. <see cref="Target"/> names what is changed: a
/// recommendation slot (home, product, cart, checkout, reorder), whose shown and clicked events then give the
/// click-through rate, or anything else the variants stand for (a retention offer, a checkout change).
/// The design is a fixed horizon, declared before the start: the result is read once every variant has
/// <see cref="ExposuresPerVariant"/> exposures and each of those has had <see cref="AttributionDays"/> to convert
/// (or the experiment was stopped after the horizon). Variants and split never change once created, so the
/// assignment of a customer never changes either.
/// </summary>
public sealed record Experiment
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Target { get; init; }
    public required string Currency { get; init; }
    public required IReadOnlyList<ExperimentVariant> Variants { get; init; }
    public required int ExposuresPerVariant { get; init; }
    public required int AttributionDays { get; init; }
    public ExperimentStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? StoppedAt { get; init; }

    public string Control => Variants[0].Name;

    /// <summary>
    /// The variant a customer (or device) gets: a stable hash of experiment and subject, mapped onto the split, so every
    /// instance answers the same without storing anything, and one experiment's split is independent of another's.
    /// </summary>
    public string Assign(string subject)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{Id}\n{subject}"), hash);
        var total = (ulong)Variants.Sum(v => v.Weight);
        // The top 53 bits as a fraction in [0, 1): uniform, and a split of any weights stays exact enough.
        var point = (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / (double)(1UL << 53) * total;
        var upTo = 0.0;
        foreach (var variant in Variants)
        {
            upTo += variant.Weight;
            if (point < upTo)
                return variant.Name;
        }
        return Variants[^1].Name;
    }
}
