namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>One way of finding candidates: a score for every item of the matrix, for one user (higher is better).</summary>
public interface IRecallSource
{
    string Name { get; }

    /// <summary>Writes the user's score of every item into <paramref name="scores"/> (length = items).</summary>
    void Score(int user, Span<float> scores);
}

public static class TopItems
{
    /// <summary>The <paramref name="k"/> best items by score, best first, leaving out <paramref name="excluded"/> and items scored NaN or -inf.</summary>
    public static List<(int Item, float Score)> Of(ReadOnlySpan<float> scores, int k, ReadOnlySpan<int> excluded = default)
    {
        var heap = new PriorityQueue<int, (float Score, int Negated)>(k + 1);
        var skip = excluded.Length > 0 ? new HashSet<int>(excluded.ToArray()) : null;
        for (var i = 0; i < scores.Length; i++)
        {
            var score = scores[i];
            if (float.IsNaN(score) || float.IsNegativeInfinity(score) || skip?.Contains(i) == true)
                continue;
            // Ties go to the lower item index, so results do not depend on the heap's order.
            var priority = (score, -i);
            if (heap.Count < k)
                heap.Enqueue(i, priority);
            else if (heap.TryPeek(out _, out var worst) && (score > worst.Score || (score == worst.Score && -i > worst.Negated)))
                heap.EnqueueDequeue(i, priority);
        }
        var top = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var item, out var priority))
            top.Add((item, priority.Score));
        top.Reverse();
        return top;
    }
}
