using Commerce.Intelligence.Recommendations;

namespace Commerce.Intelligence.Tests.Recommendations;

/// <summary>Small interaction sets made for tests, with answers known by construction.</summary>
internal static class Generated
{
    public static readonly DateTime Start = new(2024, 1, 1);

    public static Interaction Bought(string user, string sku, int day, string? basket = null, decimal price = 1m, string country = "UK") =>
        new(user, sku, InteractionKind.Purchase, 1, Start.AddDays(day), basket ?? $"{user}-{day}", price, country);

    /// <summary>
    /// Users in <paramref name="clusters"/> groups, each buying only items of their own group (items g{g}-i{n}) on
    /// random days over <paramref name="days"/> days, several items per order.
    /// </summary>
    public static List<Interaction> Clusters(int clusters, int usersPerCluster, int itemsPerCluster, int days, int ordersPerUser, int seed)
    {
        var random = new Random(seed);
        var result = new List<Interaction>();
        for (var g = 0; g < clusters; g++)
        for (var u = 0; u < usersPerCluster; u++)
        {
            var user = $"g{g}-u{u}";
            for (var o = 0; o < ordersPerUser; o++)
            {
                var day = random.Next(days);
                var size = 1 + random.Next(3);
                for (var s = 0; s < size; s++)
                {
                    // Low item numbers are more popular within a group.
                    var item = (int)Math.Floor(itemsPerCluster * Math.Pow(random.NextDouble(), 1.6));
                    result.Add(Bought(user, $"g{g}-i{item}", day, $"{user}-o{o}", 1m + item));
                }
            }
        }
        return result;
    }

    public static string ClusterOf(string id) => id[..id.IndexOf('-')];
}
