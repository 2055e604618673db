using System.Globalization;

namespace Commerce.Intelligence.Recommendations;

/// <summary>
/// The data scientists' file format: `user TAB item [TAB weight [TAB unix-time]]` lines in, `user TAB item TAB rank`
/// lines out, trained and ranked by the same code as production.
/// </summary>
public static class OfflineRecommendations
{
    /// <exception cref="FormatException">a line is not user, item, optional weight and optional unix time; the message names the line.</exception>
    public static List<Interaction> ReadTsv(TextReader reader)
    {
        var interactions = new List<Interaction>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0)
                continue;
            var fields = line.Split('\t');
            if (fields.Length is < 2 or > 4 || fields[0].Length == 0 || fields[1].Length == 0)
                throw new FormatException($"Line {number}: expected user<TAB>item[<TAB>weight[<TAB>unix-time]].");
            var weight = 1.0;
            if (fields.Length >= 3 && (!double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out weight) || !double.IsFinite(weight) || weight <= 0))
                throw new FormatException($"Line {number}: the weight '{fields[2]}' is not a positive number.");
            var at = default(DateTime);
            string? basket = null;
            if (fields.Length == 4)
            {
                if (!long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || seconds > 253_402_300_799)
                    throw new FormatException($"Line {number}: the time '{fields[3]}' is not unix seconds.");
                at = DateTime.UnixEpoch.AddSeconds(seconds);
                basket = $"{fields[0]}@{seconds}";
            }
            interactions.Add(new Interaction(fields[0], fields[1], InteractionKind.Purchase, weight, at, basket));
        }
        return interactions;
    }

    /// <summary>The <paramref name="k"/> best items for every user of <paramref name="interactions"/>, leaving out the items each already has.</summary>
    public static IEnumerable<(string User, string Item, int Rank)> Recommend(IReadOnlyList<Interaction> interactions, int k, RecommenderOptions options, Action<string>? progress = null)
    {
        var cut = interactions.Count == 0 ? DateTime.MaxValue : interactions.Max(i => i.At).AddTicks(1);
        var trained = new RecommendationTrainer(options with { ServedPerBuyer = Math.Max(options.ServedPerBuyer, k) }).Train(interactions, cut, progress: progress);
        var model = RecommendationModel.From(trained, options with { ServedPerBuyer = Math.Max(options.ServedPerBuyer, k) });
        return model.Buyers.OrderBy(b => b.Key, StringComparer.Ordinal)
            .SelectMany(b => b.Value.Ranked.Take(k).Select((r, rank) => (b.Key, model.Items[r.Item], rank + 1)));
    }

    public static void WriteTsv(TextWriter writer, IEnumerable<(string User, string Item, int Rank)> rows)
    {
        foreach (var (user, item, rank) in rows)
        {
            writer.Write(user);
            writer.Write('\t');
            writer.Write(item);
            writer.Write('\t');
            writer.Write(rank.ToString(CultureInfo.InvariantCulture));
            writer.Write('\n');
        }
    }
}
