namespace Commerce.Intelligence.Recommendations;

/// <summary>
/// Users x items as of one moment, built once from interactions and shared by every recall source and the
/// ranker's features: one row per user (sorted item indices) with, per cell, the strongest signal, how many
/// separate orders bought the item and when; per item its buyers and usual price; the orders as baskets.
/// </summary>
public sealed class InteractionMatrix
{
    private InteractionMatrix() { }

    /// <summary>Everything before this moment is in the matrix.</summary>
    public DateTime End { get; private init; }

    public string[] Users { get; private init; } = [];
    public string[] Items { get; private init; } = [];
    public IReadOnlyDictionary<string, int> UserIndex { get; private init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, int> ItemIndex { get; private init; } = new Dictionary<string, int>();

    /// <summary>Row u of the matrix is cells RowStart[u] .. RowStart[u + 1] - 1, in item order.</summary>
    public int[] RowStart { get; private init; } = [];
    public int[] Column { get; private init; } = [];

    /// <summary>The strongest weight of the user's interactions with the item.</summary>
    public float[] Value { get; private init; } = [];

    /// <summary>Separate orders (baskets) of the user that bought the item; zero when the user only looked or carted.</summary>
    public int[] Orders { get; private init; } = [];
    public DateTime[] FirstAt { get; private init; } = [];
    public DateTime[] LastAt { get; private init; } = [];

    /// <summary>Median days between the user's orders of the item; NaN with fewer than two orders.</summary>
    public float[] UsualInterval { get; private init; } = [];

    public string[] UserCountry { get; private init; } = [];
    public DateTime[] UserLastAt { get; private init; } = [];
    public int[] UserOrders { get; private init; } = [];

    /// <summary>Median unit price the user paid relative to each item's median price (1 = typical; below 1 = buys cheaply).</summary>
    public float[] UserPriceRatio { get; private init; } = [];

    /// <summary>Users who bought the item, and those who bought it in the last <see cref="RecentDays"/> days.</summary>
    public int[] ItemBuyers { get; private init; } = [];
    public int[] ItemRecentBuyers { get; private init; } = [];
    public int[] ItemEarlierBuyers { get; private init; } = [];
    public float[] ItemMedianPrice { get; private init; } = [];
    public DateTime[] ItemFirstAt { get; private init; } = [];
    public DateTime[] ItemLastAt { get; private init; } = [];

    /// <summary>Distinct items of each order, for bought-together.</summary>
    public int[][] Baskets { get; private init; } = [];

    public const int RecentDays = 30;

    public int UserCount => Users.Length;
    public int ItemCount => Items.Length;

    public ReadOnlySpan<int> ItemsOf(int user) => Column.AsSpan(RowStart[user], RowStart[user + 1] - RowStart[user]);

    /// <summary>The cell of (user, item), or -1.</summary>
    public int Cell(int user, int item)
    {
        var at = Array.BinarySearch(Column, RowStart[user], RowStart[user + 1] - RowStart[user], item);
        return at >= 0 ? at : -1;
    }

    /// <summary>Builds the matrix from the interactions that happened before <paramref name="end"/>.</summary>
    public static InteractionMatrix Build(IEnumerable<Interaction> interactions, DateTime end)
    {
        var cells = new Dictionary<(string User, string Item), CellBuilder>();
        var baskets = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var countries = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var prices = new Dictionary<string, List<float>>(StringComparer.Ordinal);
        foreach (var interaction in interactions)
        {
            if (interaction.At >= end || !(interaction.Weight > 0))
                continue;
            var key = (interaction.UserId, interaction.Sku);
            if (!cells.TryGetValue(key, out var cell))
                cells[key] = cell = new CellBuilder();
            cell.Add(interaction);
            if (interaction.Kind == InteractionKind.Purchase && interaction.Basket is { } basket)
            {
                if (!baskets.TryGetValue(basket, out var basketItems))
                    baskets[basket] = basketItems = new HashSet<string>(StringComparer.Ordinal);
                basketItems.Add(interaction.Sku);
            }
            if (interaction.Country is { Length: > 0 } country)
            {
                if (!countries.TryGetValue(interaction.UserId, out var byCountry))
                    countries[interaction.UserId] = byCountry = new Dictionary<string, int>(StringComparer.Ordinal);
                byCountry[country] = byCountry.GetValueOrDefault(country) + 1;
            }
            if (interaction.UnitPrice is { } price && price > 0)
            {
                if (!prices.TryGetValue(interaction.Sku, out var list))
                    prices[interaction.Sku] = list = [];
                list.Add((float)price);
            }
        }

        var users = cells.Keys.Select(k => k.User).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var items = cells.Keys.Select(k => k.Item).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var userIndex = users.Select((u, i) => (u, i)).ToDictionary(p => p.u, p => p.i, StringComparer.Ordinal);
        var itemIndex = items.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.Ordinal);
        var ordered = cells.Select(c => (User: userIndex[c.Key.User], Item: itemIndex[c.Key.Item], Cell: c.Value))
            .OrderBy(c => c.User).ThenBy(c => c.Item).ToArray();

        var n = ordered.Length;
        var rowStart = new int[users.Length + 1];
        var (column, value, orders, firstAt, lastAt, interval) = (new int[n], new float[n], new int[n], new DateTime[n], new DateTime[n], new float[n]);
        var (buyers, recent, earlier) = (new int[items.Length], new int[items.Length], new int[items.Length]);
        var (itemFirst, itemLast) = (Enumerable.Repeat(DateTime.MaxValue, items.Length).ToArray(), new DateTime[items.Length]);
        var (userLast, userOrders) = (new DateTime[users.Length], new int[users.Length]);
        var userBaskets = new HashSet<string>[users.Length];
        var recentFrom = DaysBefore(end, RecentDays);
        var earlierFrom = DaysBefore(recentFrom, RecentDays);
        for (var c = 0; c < n; c++)
        {
            var (u, i, cell) = ordered[c];
            rowStart[u + 1] = c + 1;
            column[c] = i;
            value[c] = (float)cell.Weight;
            orders[c] = cell.Baskets.Count;
            firstAt[c] = cell.First;
            lastAt[c] = cell.Last;
            interval[c] = cell.UsualInterval();
            if (cell.Baskets.Count > 0)
            {
                buyers[i]++;
                if (cell.LastPurchase >= recentFrom)
                    recent[i]++;
                else if (cell.LastPurchase >= earlierFrom)
                    earlier[i]++;
                (userBaskets[u] ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(cell.Baskets);
            }
            if (cell.First < itemFirst[i])
                itemFirst[i] = cell.First;
            if (cell.Last > itemLast[i])
                itemLast[i] = cell.Last;
            if (cell.Last > userLast[u])
                userLast[u] = cell.Last;
        }
        for (var u = 1; u <= users.Length; u++)
            rowStart[u] = Math.Max(rowStart[u], rowStart[u - 1]);
        for (var u = 0; u < users.Length; u++)
            userOrders[u] = userBaskets[u]?.Count ?? 0;

        var medianPrice = items.Select(s => prices.TryGetValue(s, out var list) ? Median(list) : float.NaN).ToArray();
        var priceRatio = new float[users.Length];
        for (var u = 0; u < users.Length; u++)
        {
            var ratios = new List<float>();
            for (var c = rowStart[u]; c < rowStart[u + 1]; c++)
            {
                if (ordered[c].Cell.MeanPrice is { } paid && medianPrice[column[c]] > 0)
                    ratios.Add(paid / medianPrice[column[c]]);
            }
            priceRatio[u] = ratios.Count > 0 ? Median(ratios) : 1f;
        }

        return new InteractionMatrix
        {
            End = end,
            Users = users,
            Items = items,
            UserIndex = userIndex,
            ItemIndex = itemIndex,
            RowStart = rowStart,
            Column = column,
            Value = value,
            Orders = orders,
            FirstAt = firstAt,
            LastAt = lastAt,
            UsualInterval = interval,
            UserCountry = users.Select(u => countries.TryGetValue(u, out var c) ? c.MaxBy(p => p.Value).Key : "").ToArray(),
            UserLastAt = userLast,
            UserOrders = userOrders,
            UserPriceRatio = priceRatio,
            ItemBuyers = buyers,
            ItemRecentBuyers = recent,
            ItemEarlierBuyers = earlier,
            ItemMedianPrice = medianPrice,
            ItemFirstAt = itemFirst,
            ItemLastAt = itemLast,
            Baskets = baskets.Values.Select(b => b.Select(s => itemIndex[s]).Order().ToArray()).Where(b => b.Length > 0).ToArray(),
        };
    }

    /// <summary><paramref name="days"/> before <paramref name="at"/>, or the earliest time for data without times.</summary>
    internal static DateTime DaysBefore(DateTime at, int days) => at - DateTime.MinValue > TimeSpan.FromDays(days) ? at.AddDays(-days) : DateTime.MinValue;

    internal static float Median(List<float> values)
    {
        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private sealed class CellBuilder
    {
        public double Weight;
        public DateTime First = DateTime.MaxValue;
        public DateTime Last;
        public DateTime LastPurchase;
        public readonly HashSet<string> Baskets = new(StringComparer.Ordinal);
        private readonly SortedSet<DateTime> _orderDays = [];
        private double _paid;
        private int _priced;

        public float? MeanPrice => _priced > 0 ? (float)(_paid / _priced) : null;

        public void Add(Interaction interaction)
        {
            Weight = Math.Max(Weight, interaction.Weight);
            if (interaction.At < First)
                First = interaction.At;
            if (interaction.At > Last)
                Last = interaction.At;
            if (interaction.Kind != InteractionKind.Purchase)
                return;
            if (interaction.At > LastPurchase)
                LastPurchase = interaction.At;
            Baskets.Add(interaction.Basket ?? $"{interaction.UserId}@{interaction.At:O}");
            _orderDays.Add(interaction.At.Date);
            if (interaction.UnitPrice is { } price && price > 0)
            {
                _paid += (double)price;
                _priced++;
            }
        }

        public float UsualInterval()
        {
            if (_orderDays.Count < 2)
                return float.NaN;
            var gaps = _orderDays.Zip(_orderDays.Skip(1), (a, b) => (float)(b - a).TotalDays).ToList();
            return Median(gaps);
        }
    }
}
