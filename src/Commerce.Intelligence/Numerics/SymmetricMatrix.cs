using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Commerce.Intelligence.Numerics;

/// <summary>
/// Dense symmetric positive definite matrices, row-major in one array. The inverse goes through a blocked
/// Cholesky factor A = L Lᵀ, then W = L⁻¹ and A⁻¹ = Wᵀ W; every O(n³) step is written as dot products of
/// contiguous rows, computed four by four with SIMD so that each loaded vector feeds four multiply-adds.
/// </summary>
public static class SymmetricMatrix
{
    private const int Block = 64;
    private const int Tile = 4;

    /// <summary>The inverse of <paramref name="a"/> (n x n, symmetric positive definite); <paramref name="a"/> is overwritten.</summary>
    /// <exception cref="ArgumentException">the matrix is not positive definite.</exception>
    public static double[] Invert(double[] a, int n, int maxDegreeOfParallelism = -1)
    {
        if (a.Length != checked(n * n))
            throw new ArgumentException($"Expected {n} x {n} values, got {a.Length}.", nameof(a));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Cholesky(a, n, parallel);
        var wt = InvertLowerTransposed(a, n, parallel);
        // A⁻¹[i,j] = Σ_k W[k,i] W[k,j] = dot(Wᵀ row i, Wᵀ row j); row i of Wᵀ is zero before column i.
        var inverse = a;
        Parallel.For(0, (n + Tile - 1) / Tile, parallel, ti =>
        {
            var i0 = ti * Tile;
            Span<double> tile = stackalloc double[Tile * Tile];
            for (var j0 = 0; j0 <= i0; j0 += Tile)
            {
                DotTile(wt, n, i0, Math.Min(Tile, n - i0), wt, j0, Math.Min(Tile, n - j0), Math.Min(i0, j0), n, tile);
                for (var r = 0; r < Tile && i0 + r < n; r++)
                for (var c = 0; c < Tile && j0 + c < n; c++)
                {
                    inverse[(i0 + r) * n + j0 + c] = tile[r * Tile + c];
                    inverse[(j0 + c) * n + i0 + r] = tile[r * Tile + c];
                }
            }
        });
        return inverse;
    }

    /// <summary>Overwrites the lower triangle of <paramref name="a"/> with L (left-looking, by column blocks); the upper triangle is zeroed.</summary>
    private static void Cholesky(double[] a, int n, ParallelOptions parallel)
    {
        for (var j0 = 0; j0 < n; j0 += Block)
        {
            var width = Math.Min(Block, n - j0);
            if (j0 > 0)
            {
                // A[i, j] -= dot(L[i, 0..j0), L[j, 0..j0)) for the block's columns j and every row i below.
                Parallel.For(0, (n - j0 + Tile - 1) / Tile, parallel, ti =>
                {
                    var i0 = j0 + ti * Tile;
                    var rows = Math.Min(Tile, n - i0);
                    Span<double> tile = stackalloc double[Tile * Tile];
                    for (var c0 = j0; c0 < j0 + width && c0 <= i0 + rows - 1; c0 += Tile)
                    {
                        var cols = Math.Min(Tile, j0 + width - c0);
                        DotTile(a, n, i0, rows, a, c0, cols, 0, j0, tile);
                        for (var r = 0; r < rows; r++)
                        for (var c = 0; c < cols; c++)
                            a[(i0 + r) * n + c0 + c] -= tile[r * Tile + c];
                    }
                });
            }
            // Inside the block: the remaining terms from columns j0..j-1, then the division by the diagonal.
            for (var j = j0; j < j0 + width; j++)
            {
                var rowJ = a.AsSpan(j * n + j0, j - j0);
                var diagonal = a[j * n + j] - Dot(rowJ, rowJ);
                if (!(diagonal > 0))
                    throw new ArgumentException($"The matrix is not positive definite (pivot {j} is {diagonal}).", nameof(a));
                var root = Math.Sqrt(diagonal);
                a[j * n + j] = root;
                var column = j;
                Parallel.For(0, (n - j - 1 + 255) / 256, parallel, chunk =>
                {
                    var end = Math.Min(n, j + 1 + (chunk + 1) * 256);
                    for (var i = j + 1 + chunk * 256; i < end; i++)
                        a[i * n + column] = (a[i * n + column] - Dot(a.AsSpan(i * n + j0, column - j0), a.AsSpan(column * n + j0, column - j0))) / root;
                });
            }
        }
        for (var i = 0; i < n; i++)
            a.AsSpan(i * n + i + 1, n - i - 1).Clear();
    }

    /// <summary>Wᵀ for W = L⁻¹, computed by row blocks of W: W[i,c] = -(Σ_{c≤k&lt;i} L[i,k] W[k,c]) / L[i,i], W[i,i] = 1 / L[i,i].</summary>
    private static double[] InvertLowerTransposed(double[] l, int n, ParallelOptions parallel)
    {
        var wt = new double[n * n];
        var partial = new double[Block * n];
        for (var i0 = 0; i0 < n; i0 += Block)
        {
            var height = Math.Min(Block, n - i0);
            Array.Clear(partial);
            if (i0 > 0)
            {
                // partial[r, c] = Σ_{c≤k<i0} L[i0+r, k] W[k, c] = dot(L row, Wᵀ row c) over k < i0 (Wᵀ row c is zero before c).
                Parallel.For(0, (i0 + Tile - 1) / Tile, parallel, tc =>
                {
                    var c0 = tc * Tile;
                    var cols = Math.Min(Tile, i0 - c0);
                    Span<double> tile = stackalloc double[Tile * Tile];
                    for (var r0 = 0; r0 < height; r0 += Tile)
                    {
                        var rows = Math.Min(Tile, height - r0);
                        DotTile(l, n, i0 + r0, rows, wt, c0, cols, c0, i0, tile);
                        for (var r = 0; r < rows; r++)
                        for (var c = 0; c < cols; c++)
                            partial[(r0 + r) * n + c0 + c] = tile[r * Tile + c];
                    }
                });
            }
            for (var r = 0; r < height; r++)
            {
                var i = i0 + r;
                var diagonal = l[i * n + i];
                Parallel.For(0, (i + 255) / 256, parallel, chunk =>
                {
                    var end = Math.Min(i, (chunk + 1) * 256);
                    for (var c = chunk * 256; c < end; c++)
                    {
                        var from = Math.Max(c, i0);
                        var sum = partial[r * n + c] + Dot(l.AsSpan(i * n + from, i - from), wt.AsSpan(c * n + from, i - from));
                        wt[c * n + i] = -sum / diagonal;
                    }
                });
                wt[i * n + i] = 1 / diagonal;
            }
        }
        return wt;
    }

    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => System.Numerics.Tensors.TensorPrimitives.Dot(x, y);

    /// <summary>
    /// tile[r * 4 + c] = dot(x row (xRow + r), y row (yRow + c)) over columns [from, to), for up to 4 x 4 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotTile(double[] x, int n, int xRow, int xRows, double[] y, int yRow, int yRows, int from, int to, Span<double> tile)
    {
        tile.Clear();
        if (to <= from)
            return;
        if (xRows < Tile || yRows < Tile)
        {
            for (var r = 0; r < xRows; r++)
            for (var c = 0; c < yRows; c++)
                tile[r * Tile + c] = Dot(x.AsSpan((xRow + r) * n + from, to - from), y.AsSpan((yRow + c) * n + from, to - from));
            return;
        }
        ref var xs = ref MemoryMarshal.GetArrayDataReference(x);
        ref var ys = ref MemoryMarshal.GetArrayDataReference(y);
        ref var x0 = ref Unsafe.Add(ref xs, xRow * n);
        ref var x1 = ref Unsafe.Add(ref x0, n);
        ref var x2 = ref Unsafe.Add(ref x1, n);
        ref var x3 = ref Unsafe.Add(ref x2, n);
        ref var y0 = ref Unsafe.Add(ref ys, yRow * n);
        ref var y1 = ref Unsafe.Add(ref y0, n);
        ref var y2 = ref Unsafe.Add(ref y1, n);
        ref var y3 = ref Unsafe.Add(ref y2, n);
        var width = Vector<double>.Count;
        Vector<double> s00 = default, s01 = default, s02 = default, s03 = default;
        Vector<double> s10 = default, s11 = default, s12 = default, s13 = default;
        Vector<double> s20 = default, s21 = default, s22 = default, s23 = default;
        Vector<double> s30 = default, s31 = default, s32 = default, s33 = default;
        var k = from;
        for (; k + width <= to; k += width)
        {
            var a0 = Vector.LoadUnsafe(ref x0, (nuint)k);
            var a1 = Vector.LoadUnsafe(ref x1, (nuint)k);
            var a2 = Vector.LoadUnsafe(ref x2, (nuint)k);
            var a3 = Vector.LoadUnsafe(ref x3, (nuint)k);
            var b = Vector.LoadUnsafe(ref y0, (nuint)k);
            s00 = Vector.FusedMultiplyAdd(a0, b, s00); s10 = Vector.FusedMultiplyAdd(a1, b, s10); s20 = Vector.FusedMultiplyAdd(a2, b, s20); s30 = Vector.FusedMultiplyAdd(a3, b, s30);
            b = Vector.LoadUnsafe(ref y1, (nuint)k);
            s01 = Vector.FusedMultiplyAdd(a0, b, s01); s11 = Vector.FusedMultiplyAdd(a1, b, s11); s21 = Vector.FusedMultiplyAdd(a2, b, s21); s31 = Vector.FusedMultiplyAdd(a3, b, s31);
            b = Vector.LoadUnsafe(ref y2, (nuint)k);
            s02 = Vector.FusedMultiplyAdd(a0, b, s02); s12 = Vector.FusedMultiplyAdd(a1, b, s12); s22 = Vector.FusedMultiplyAdd(a2, b, s22); s32 = Vector.FusedMultiplyAdd(a3, b, s32);
            b = Vector.LoadUnsafe(ref y3, (nuint)k);
            s03 = Vector.FusedMultiplyAdd(a0, b, s03); s13 = Vector.FusedMultiplyAdd(a1, b, s13); s23 = Vector.FusedMultiplyAdd(a2, b, s23); s33 = Vector.FusedMultiplyAdd(a3, b, s33);
        }
        tile[0] = Vector.Sum(s00); tile[1] = Vector.Sum(s01); tile[2] = Vector.Sum(s02); tile[3] = Vector.Sum(s03);
        tile[4] = Vector.Sum(s10); tile[5] = Vector.Sum(s11); tile[6] = Vector.Sum(s12); tile[7] = Vector.Sum(s13);
        tile[8] = Vector.Sum(s20); tile[9] = Vector.Sum(s21); tile[10] = Vector.Sum(s22); tile[11] = Vector.Sum(s23);
        tile[12] = Vector.Sum(s30); tile[13] = Vector.Sum(s31); tile[14] = Vector.Sum(s32); tile[15] = Vector.Sum(s33);
        for (; k < to; k++)
        {
            double a0 = Unsafe.Add(ref x0, k), a1 = Unsafe.Add(ref x1, k), a2 = Unsafe.Add(ref x2, k), a3 = Unsafe.Add(ref x3, k);
            double b0 = Unsafe.Add(ref y0, k), b1 = Unsafe.Add(ref y1, k), b2 = Unsafe.Add(ref y2, k), b3 = Unsafe.Add(ref y3, k);
            tile[0] += a0 * b0; tile[1] += a0 * b1; tile[2] += a0 * b2; tile[3] += a0 * b3;
            tile[4] += a1 * b0; tile[5] += a1 * b1; tile[6] += a1 * b2; tile[7] += a1 * b3;
            tile[8] += a2 * b0; tile[9] += a2 * b1; tile[10] += a2 * b2; tile[11] += a2 * b3;
            tile[12] += a3 * b0; tile[13] += a3 * b1; tile[14] += a3 * b2; tile[15] += a3 * b3;
        }
    }
}
