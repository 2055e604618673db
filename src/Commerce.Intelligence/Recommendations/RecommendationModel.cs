using System.IO.Compression;
using Commerce.Intelligence.Recommendations.Recall;

namespace Commerce.Intelligence.Recommendations;

/// <summary>One ranked item of a buyer's list: its score, the source to explain it by, and the item that source points at (or -1).</summary>
public readonly record struct RankedItem(int Item, float Score, RecallKind Reason, int Anchor);

/// <summary>An item the buyer has bought: when last, in how many orders, and their usual days between orders (NaN below two).</summary>
public readonly record struct PastPurchase(int Item, DateTime LastAt, int Orders, float UsualIntervalDays);

public sealed record BuyerEntry(string Country, string? Segment, RankedItem[] Ranked, PastPurchase[] Purchases);

/// <summary>
/// What serving needs from a training run, precomputed so that a request only filters and merges short lists:
/// each known buyer's ranked new items and past purchases, each item's similar and bought-together items,
/// and the popular and trending items overall and per country.
/// </summary>
public sealed class RecommendationModel
{
    private const int FormatVersion = 1;
    public const int NeighboursPerItem = 20;
    public const int PopularKept = 300;

    public required DateTime DataEnd { get; init; }
    public required string[] Items { get; init; }
    public required IReadOnlyDictionary<string, BuyerEntry> Buyers { get; init; }
    public required (int Item, float Score)[][] Similar { get; init; }
    public required (int Item, float Score)[][] Together { get; init; }
    public required (int Item, float Score)[] Popular { get; init; }
    public required (int Item, float Score)[] Trending { get; init; }
    public required IReadOnlyDictionary<string, (int Item, float Score)[]> PopularByCountry { get; init; }

    private Dictionary<string, int>? _itemIndex;

    public IReadOnlyDictionary<string, int> ItemIndex => _itemIndex ??= Items.Select((s, i) => (s, i)).ToDictionary(p => p.s, p => p.i, StringComparer.OrdinalIgnoreCase);

    /// <summary>The serving model of a trained recommender: every buyer of its matrix ranked once, here.</summary>
    public static RecommendationModel From(TrainedRecommender trained, RecommenderOptions options, RankingInputs? inputs = null)
    {
        var recall = trained.Recall;
        var m = recall.Matrix;
        var users = Enumerable.Range(0, m.UserCount).ToArray();
        var ranked = trained.Rank(users);
        var buyers = new Dictionary<string, BuyerEntry>(StringComparer.Ordinal);
        for (var u = 0; u < m.UserCount; u++)
        {
            var list = ranked[u];
            var top = list.Order.Take(options.ServedPerBuyer)
                .Select(r => new RankedItem(list.Candidates.Items[r], list.Scores[r], list.Candidates.Source[r], list.Candidates.Anchor[r])).ToArray();
            var purchases = new List<PastPurchase>();
            for (var c = m.RowStart[u]; c < m.RowStart[u + 1]; c++)
            {
                if (m.Orders[c] > 0)
                    purchases.Add(new PastPurchase(m.Column[c], m.LastAt[c], m.Orders[c], m.UsualInterval[c]));
            }
            buyers[m.Users[u]] = new BuyerEntry(m.UserCountry[u], inputs?.Buyer(m.Users[u])?.Segment, top, [.. purchases]);
        }
        var similar = new (int, float)[m.ItemCount][];
        Parallel.For(0, m.ItemCount, i => similar[i] = SimilarTo(recall, i));
        var countries = m.UserCountry.Where(c => c.Length > 0).Distinct(StringComparer.Ordinal)
            .Where(c => recall.Countries.Groups.Contains(c))
            .ToDictionary(c => c, c => TopItems.Of(recall.Countries.Of(c), PopularKept / 3).ToArray(), StringComparer.Ordinal);
        return new RecommendationModel
        {
            DataEnd = m.End,
            Items = m.Items,
            Buyers = buyers,
            Similar = similar,
            Together = Enumerable.Range(0, m.ItemCount).Select(i => recall.BoughtTogether.Of(i).Take(NeighboursPerItem).ToArray()).ToArray(),
            Popular = TopItems.Of(recall.Recent.Scores, PopularKept).ToArray(),
            Trending = TopItems.Of(recall.Trending.Scores, PopularKept).ToArray(),
            PopularByCountry = countries,
        };
    }

    /// <summary>Items most like <paramref name="item"/> by the collaborative model: its EASE row, or ALS factors against the best-sellers.</summary>
    private static (int, float)[] SimilarTo(CandidateRecall recall, int item)
    {
        if (recall.Collaborative is ItemSimilarity similarity)
            return TopItems.Of(similarity.Row(item), NeighboursPerItem, [item]).Where(t => t.Score > 0).ToArray();
        var als = (ImplicitAls)recall.Collaborative;
        var buyers = recall.Matrix.ItemBuyers;
        var scores = new float[buyers.Length];
        Array.Fill(scores, float.NaN);
        foreach (var other in recall.PopularItems)
            scores[other] = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(als.ItemFactors(item), als.ItemFactors(other));
        return TopItems.Of(scores, NeighboursPerItem, [item]).Where(t => t.Score > 0).ToArray();
    }

    public void Write(Stream stream)
    {
        using var zip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        using var w = new BinaryWriter(zip);
        w.Write(FormatVersion);
        w.Write(DataEnd.Ticks);
        w.Write(Items.Length);
        foreach (var item in Items)
            w.Write(item);
        w.Write(Buyers.Count);
        foreach (var (id, buyer) in Buyers.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            w.Write(id);
            w.Write(buyer.Country);
            w.Write(buyer.Segment ?? "");
            w.Write(buyer.Ranked.Length);
            foreach (var r in buyer.Ranked)
            {
                w.Write(r.Item);
                w.Write(r.Score);
                w.Write((byte)r.Reason);
                w.Write(r.Anchor);
            }
            w.Write(buyer.Purchases.Length);
            foreach (var p in buyer.Purchases)
            {
                w.Write(p.Item);
                w.Write(p.LastAt.Ticks);
                w.Write(p.Orders);
                w.Write(p.UsualIntervalDays);
            }
        }
        WriteLists(w, Similar);
        WriteLists(w, Together);
        WriteList(w, Popular);
        WriteList(w, Trending);
        w.Write(PopularByCountry.Count);
        foreach (var (country, list) in PopularByCountry.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.Write(country);
            WriteList(w, list);
        }
    }

    /// <exception cref="InvalidDataException">the stream is not a model of this format.</exception>
    public static RecommendationModel Read(Stream stream)
    {
        using var zip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
        using var r = new BinaryReader(zip);
        if (r.ReadInt32() != FormatVersion)
            throw new InvalidDataException("Not a recommendation model of format 1.");
        var dataEnd = new DateTime(r.ReadInt64());
        var items = new string[r.ReadInt32()];
        for (var i = 0; i < items.Length; i++)
            items[i] = r.ReadString();
        var buyerCount = r.ReadInt32();
        var buyers = new Dictionary<string, BuyerEntry>(buyerCount, StringComparer.Ordinal);
        for (var b = 0; b < buyerCount; b++)
        {
            var id = r.ReadString();
            var country = r.ReadString();
            var segment = r.ReadString();
            var ranked = new RankedItem[r.ReadInt32()];
            for (var i = 0; i < ranked.Length; i++)
                ranked[i] = new RankedItem(r.ReadInt32(), r.ReadSingle(), (RecallKind)r.ReadByte(), r.ReadInt32());
            var purchases = new PastPurchase[r.ReadInt32()];
            for (var i = 0; i < purchases.Length; i++)
                purchases[i] = new PastPurchase(r.ReadInt32(), new DateTime(r.ReadInt64()), r.ReadInt32(), r.ReadSingle());
            buyers[id] = new BuyerEntry(country, segment.Length == 0 ? null : segment, ranked, purchases);
        }
        var similar = ReadLists(r);
        var together = ReadLists(r);
        var popular = ReadList(r);
        var trending = ReadList(r);
        var countries = new Dictionary<string, (int, float)[]>(StringComparer.Ordinal);
        var countryCount = r.ReadInt32();
        for (var c = 0; c < countryCount; c++)
            countries[r.ReadString()] = ReadList(r);
        return new RecommendationModel
        {
            DataEnd = dataEnd,
            Items = items,
            Buyers = buyers,
            Similar = similar,
            Together = together,
            Popular = popular,
            Trending = trending,
            PopularByCountry = countries,
        };
    }

    private static void WriteLists(BinaryWriter w, (int Item, float Score)[][] lists)
    {
        w.Write(lists.Length);
        foreach (var list in lists)
            WriteList(w, list);
    }

    private static void WriteList(BinaryWriter w, (int Item, float Score)[] list)
    {
        w.Write(list.Length);
        foreach (var (item, score) in list)
        {
            w.Write(item);
            w.Write(score);
        }
    }

    private static (int, float)[][] ReadLists(BinaryReader r)
    {
        var lists = new (int, float)[r.ReadInt32()][];
        for (var i = 0; i < lists.Length; i++)
            lists[i] = ReadList(r);
        return lists;
    }

    private static (int, float)[] ReadList(BinaryReader r)
    {
        var list = new (int, float)[r.ReadInt32()];
        for (var i = 0; i < list.Length; i++)
            list[i] = (r.ReadInt32(), r.ReadSingle());
        return list;
    }
}
