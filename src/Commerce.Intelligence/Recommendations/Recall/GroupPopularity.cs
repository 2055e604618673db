namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>Share of a group's buyers (a country, a segment) who bought each item lately; the whole shop for groups too small to say.</summary>
public sealed class GroupPopularity
{
    private readonly Dictionary<string, float[]> _byGroup;
    private readonly float[] _overall;

    private GroupPopularity(Dictionary<string, float[]> byGroup, float[] overall)
    {
        _byGroup = byGroup;
        _overall = overall;
    }

    public const int MinimumBuyers = 20;

    public ReadOnlySpan<float> Of(string? group) => group is not null && _byGroup.TryGetValue(group, out var shares) ? shares : _overall;

    public IReadOnlyCollection<string> Groups => _byGroup.Keys;

    /// <param name="groupOf">the group of each user index (e.g. the matrix's countries).</param>
    /// <param name="days">how far back a purchase counts.</param>
    public static GroupPopularity Fit(InteractionMatrix matrix, Func<int, string?> groupOf, int days = 90)
    {
        var from = InteractionMatrix.DaysBefore(matrix.End, days);
        var counts = new Dictionary<string, (float[] Items, int Users)>(StringComparer.Ordinal);
        var overall = new float[matrix.ItemCount];
        var overallUsers = 0;
        for (var u = 0; u < matrix.UserCount; u++)
        {
            var group = groupOf(u) ?? "";
            if (!counts.TryGetValue(group, out var entry))
                entry = (new float[matrix.ItemCount], 0);
            var active = false;
            for (var c = matrix.RowStart[u]; c < matrix.RowStart[u + 1]; c++)
            {
                if (matrix.Orders[c] == 0 || matrix.LastAt[c] < from)
                    continue;
                entry.Items[matrix.Column[c]]++;
                overall[matrix.Column[c]]++;
                active = true;
            }
            if (active)
            {
                entry.Users++;
                overallUsers++;
            }
            counts[group] = entry;
        }
        static float[] Shares(float[] items, int users) => items.Select(c => c / Math.Max(1, users)).ToArray();
        return new GroupPopularity(
            counts.Where(c => c.Value.Users >= MinimumBuyers && c.Key.Length > 0).ToDictionary(c => c.Key, c => Shares(c.Value.Items, c.Value.Users), StringComparer.Ordinal),
            Shares(overall, overallUsers));
    }
}
