using System.Numerics.Tensors;

namespace Commerce.Intelligence.Recommendations.Recall;

/// <summary>
/// Implicit-feedback matrix factorisation (Hu, Koren and Volinsky 2008) fitted by alternating least squares,
/// each least-squares step solved with a few conjugate-gradient iterations (Takács, Pilászy and Tikk 2011):
/// memory grows with users + items, not items², so it serves catalogues too large for EASE's dense matrix.
/// </summary>
public sealed class ImplicitAls : IRecallSource
{
    private readonly InteractionMatrix _matrix;
    private readonly float[] _users;
    private readonly float[] _items;

    private ImplicitAls(InteractionMatrix matrix, int factors, float[] users, float[] items)
    {
        _matrix = matrix;
        Factors = factors;
        _users = users;
        _items = items;
    }

    public string Name => "als";
    public int Factors { get; }

    public ReadOnlySpan<float> ItemFactors(int item) => _items.AsSpan(item * Factors, Factors);

    public void Score(int user, Span<float> scores)
    {
        var x = _users.AsSpan(user * Factors, Factors);
        for (var i = 0; i < scores.Length; i++)
            scores[i] = TensorPrimitives.Dot(x, ItemFactors(i));
    }

    public static ImplicitAls Fit(InteractionMatrix matrix, int factors = 64, float regularization = 0.05f, float alpha = 20f, int iterations = 12, int conjugateSteps = 3, int seed = 17)
    {
        var random = new Random(seed);
        var users = new float[matrix.UserCount * factors];
        var items = new float[matrix.ItemCount * factors];
        for (var i = 0; i < items.Length; i++)
            items[i] = (float)(random.NextDouble() - 0.5) * 0.01f;

        // The transpose of the matrix: for each item, its users and the cell of each.
        var byItem = new List<int>[matrix.ItemCount];
        for (var i = 0; i < byItem.Length; i++)
            byItem[i] = [];
        for (var u = 0; u < matrix.UserCount; u++)
            for (var c = matrix.RowStart[u]; c < matrix.RowStart[u + 1]; c++)
                byItem[matrix.Column[c]].Add(c);
        var cellUser = new int[matrix.Column.Length];
        for (var u = 0; u < matrix.UserCount; u++)
            for (var c = matrix.RowStart[u]; c < matrix.RowStart[u + 1]; c++)
                cellUser[c] = u;

        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var itemGram = Gram(items, matrix.ItemCount, factors);
            Parallel.For(0, matrix.UserCount, u =>
            {
                var cells = Enumerable.Range(matrix.RowStart[u], matrix.RowStart[u + 1] - matrix.RowStart[u]);
                Solve(users.AsSpan(u * factors, factors), itemGram, items, factors, cells.Select(c => (matrix.Column[c], matrix.Value[c])), regularization, alpha, conjugateSteps);
            });
            var userGram = Gram(users, matrix.UserCount, factors);
            Parallel.For(0, matrix.ItemCount, i =>
            {
                Solve(items.AsSpan(i * factors, factors), userGram, users, factors, byItem[i].Select(c => (cellUser[c], matrix.Value[c])), regularization, alpha, conjugateSteps);
            });
        }
        return new ImplicitAls(matrix, factors, users, items);
    }

    private static float[] Gram(float[] factors, int rows, int k)
    {
        var gram = new float[k * k];
        for (var r = 0; r < rows; r++)
        {
            var row = factors.AsSpan(r * k, k);
            for (var a = 0; a < k; a++)
                TensorPrimitives.MultiplyAdd(row, row[a], gram.AsSpan(a * k, k), gram.AsSpan(a * k, k));
        }
        return gram;
    }

    /// <summary>
    /// A few CG steps on (YᵀY + Yᵀ(C - I)Y + λI) x = Yᵀ C p, starting from the current x, where the observed
    /// entries have confidence c = 1 + α·value and preference 1.
    /// </summary>
    private static void Solve(Span<float> x, float[] gram, float[] others, int k, IEnumerable<(int Other, float Value)> observed, float regularization, float alpha, int steps)
    {
        var seen = observed.ToArray();
        Span<float> r = stackalloc float[k];
        Span<float> p = stackalloc float[k];
        Span<float> ap = stackalloc float[k];
        void Multiply(ReadOnlySpan<float> v, Span<float> result)
        {
            for (var a = 0; a < k; a++)
                result[a] = TensorPrimitives.Dot(gram.AsSpan(a * k, k), v) + regularization * v[a];
            foreach (var (other, value) in seen)
            {
                var y = others.AsSpan(other * k, k);
                TensorPrimitives.MultiplyAdd(y, alpha * value * TensorPrimitives.Dot(y, v), result, result);
            }
        }
        Multiply(x, ap);
        TensorPrimitives.Negate(ap, r);
        foreach (var (other, value) in seen)
            TensorPrimitives.MultiplyAdd(others.AsSpan(other * k, k), 1 + alpha * value, r, r);
        r.CopyTo(p);
        var rr = TensorPrimitives.Dot(r, r);
        for (var step = 0; step < steps && rr > 1e-10f; step++)
        {
            Multiply(p, ap);
            var stepSize = rr / TensorPrimitives.Dot(p, ap);
            TensorPrimitives.MultiplyAdd(p, stepSize, x, x);
            TensorPrimitives.MultiplyAdd(ap, -stepSize, r, r);
            var next = TensorPrimitives.Dot(r, r);
            TensorPrimitives.MultiplyAdd(p, next / rr, r, p);
            rr = next;
        }
    }
}
