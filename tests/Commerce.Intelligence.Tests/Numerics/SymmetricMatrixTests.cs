using Commerce.Intelligence.Numerics;

namespace Commerce.Intelligence.Tests.Numerics;

public sealed class SymmetricMatrixTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(67)]
    [InlineData(203)]
    public void The_inverse_times_the_matrix_is_the_identity_across_block_and_tile_edges(int n)
    {
        var random = new Random(n);
        var factor = new double[n * 8];
        for (var i = 0; i < factor.Length; i++)
            factor[i] = random.NextDouble();
        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            for (var k = 0; k < 8; k++)
                a[i * n + j] += factor[i * 8 + k] * factor[j * 8 + k];
            if (i == j)
                a[i * n + j] += 3;
        }
        var original = (double[])a.Clone();

        var inverse = SymmetricMatrix.Invert(a, n);

        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            var sum = 0.0;
            for (var k = 0; k < n; k++)
                sum += original[i * n + k] * inverse[k * n + j];
            Assert.Equal(i == j ? 1.0 : 0.0, sum, 1e-9);
            Assert.Equal(inverse[i * n + j], inverse[j * n + i], 1e-12);
        }
    }

    [Fact]
    public void A_matrix_that_is_not_positive_definite_is_refused()
    {
        double[] a = [1, 2, 2, 1];
        Assert.Throws<ArgumentException>(() => SymmetricMatrix.Invert(a, 2));
    }
}
