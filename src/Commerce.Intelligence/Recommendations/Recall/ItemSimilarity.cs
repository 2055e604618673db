using System.Numerics.Tensors;
using Commerce.Intelligence.Numerics;

namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>
/// A dense item x item weight matrix W; a user's scores are the weighted sum of the rows of the items they
/// interacted with (x_u W). EASE and item cosine both have this shape.
/// </summary>
public sealed class ItemSimilarity(string name, InteractionMatrix matrix, float[] weights) : IRecallSource
{
    public string Name { get; } = name;
    public int Size { get; } = matrix.ItemCount;

    public ReadOnlySpan<float> Row(int item) => weights.AsSpan(item * Size, Size);

    public void Score(int user, Span<float> scores)
    {
        scores.Clear();
        for (var c = matrix.RowStart[user]; c < matrix.RowStart[user + 1]; c++)
            TensorPrimitives.MultiplyAdd(Row(matrix.Column[c]), matrix.Value[c], scores, scores);
    }

    /// <summary>
    /// EASE (Steck 2019): B = I - P diagMat(1 / diag P) with P = (XᵀX + λI)⁻¹, the closed-form item-item
    /// regression with a zero diagonal.
    /// </summary>
    public static ItemSimilarity Ease(InteractionMatrix matrix, double lambda)
    {
        var n = matrix.ItemCount;
        var gram = Gram(matrix);
        for (var i = 0; i < n; i++)
            gram[i * n + i] += lambda;
        var p = SymmetricMatrix.Invert(gram, n);
        var b = new float[n * n];
        Parallel.For(0, n, i =>
        {
            for (var j = 0; j < n; j++)
                b[i * n + j] = i == j ? 0f : (float)(-p[i * n + j] / p[j * n + j]);
        });
        return new ItemSimilarity("ease", matrix, b);
    }

    /// <summary>Cosine similarity of item columns; an item is not similar to itself.</summary>
    public static ItemSimilarity Cosine(InteractionMatrix matrix)
    {
        var n = matrix.ItemCount;
        var gram = Gram(matrix);
        var s = new float[n * n];
        Parallel.For(0, n, i =>
        {
            var di = gram[i * n + i];
            for (var j = 0; j < n; j++)
            {
                var d = di * gram[j * n + j];
                s[i * n + j] = i == j || d <= 0 ? 0f : (float)(gram[i * n + j] / Math.Sqrt(d));
            }
        });
        return new ItemSimilarity("cosine", matrix, s);
    }

    /// <summary>XᵀX, dense and symmetric.</summary>
    internal static double[] Gram(InteractionMatrix matrix)
    {
        var n = matrix.ItemCount;
        var gram = new double[n * n];
        for (var u = 0; u < matrix.UserCount; u++)
        {
            var (start, end) = (matrix.RowStart[u], matrix.RowStart[u + 1]);
            for (var a = start; a < end; a++)
            {
                var row = matrix.Column[a] * n;
                var va = (double)matrix.Value[a];
                for (var b = start; b < end; b++)
                    gram[row + matrix.Column[b]] += va * matrix.Value[b];
            }
        }
        return gram;
    }
}
