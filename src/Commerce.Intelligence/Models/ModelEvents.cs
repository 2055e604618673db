using System.Globalization;
using Commerce.Events.Outbox;

namespace Commerce.Intelligence.Models;

/// <summary>A model kind's live version changing, as a system event about the kind.</summary>
public static class ModelEvents
{
    public static string Subject(string kind) => "model:" + kind;

    /// <summary>The promotion that put <paramref name="pointer"/> in place, with an id of its own however often it is recorded.</summary>
    public static SystemEvent Promoted(string kind, LatestPointer pointer) => new()
    {
        Id = $"{Subject(kind)}:promoted:{pointer.Version}:{pointer.Since.UtcTicks.ToString(CultureInfo.InvariantCulture)}",
        Type = SystemEventTypes.ModelPromoted,
        Subject = Subject(kind),
        Time = pointer.Since,
        From = pointer.Previous,
        To = pointer.Version,
        Reason = pointer.Reason,
    };
}
