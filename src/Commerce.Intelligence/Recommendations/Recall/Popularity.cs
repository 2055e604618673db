namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>Items by how many users bought them: over all time, or lately.</summary>
public sealed class Popularity(string name, float[] scores) : IRecallSource
{
    public string Name { get; } = name;

    public ReadOnlySpan<float> Scores => scores;

    public void Score(int user, Span<float> target) => scores.CopyTo(target);

    public static Popularity AllTime(InteractionMatrix matrix) => new("popular", matrix.ItemBuyers.Select(b => (float)b).ToArray());

    /// <summary>Buyers in the last 30 days, plus a little of the all-time count to break ties.</summary>
    public static Popularity Recent(InteractionMatrix matrix) =>
        new("popular_recent", matrix.ItemRecentBuyers.Select((b, i) => b + matrix.ItemBuyers[i] / (float)(matrix.UserCount + 1)).ToArray());

    /// <summary>Items whose buyers in the last 30 days grew most over the 30 days before (smoothed, so one sale is no trend).</summary>
    public static Popularity Trending(InteractionMatrix matrix) =>
        new("trending", matrix.ItemRecentBuyers.Select((b, i) => (b + 1f) / (matrix.ItemEarlierBuyers[i] + 3f) * MathF.Log(2 + b)).ToArray());
}
