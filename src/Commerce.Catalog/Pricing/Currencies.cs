namespace Commerce.Catalog.Pricing;

/// <summary>The ISO 4217 currencies the shop accepts, with their minor units, and the one rounding rule.</summary>
public static class Currencies
{
    private static readonly Dictionary<string, int> MinorUnits = new(StringComparer.Ordinal)
    {
        ["AUD"] = 2, ["BHD"] = 3, ["BRL"] = 2, ["CAD"] = 2, ["CHF"] = 2, ["CNY"] = 2, ["CZK"] = 2, ["DKK"] = 2,
        ["EUR"] = 2, ["GBP"] = 2, ["HKD"] = 2, ["HUF"] = 2, ["INR"] = 2, ["ISK"] = 0, ["JOD"] = 3, ["JPY"] = 0,
        ["KRW"] = 0, ["KWD"] = 3, ["MXN"] = 2, ["NOK"] = 2, ["NZD"] = 2, ["OMR"] = 3, ["PLN"] = 2, ["SEK"] = 2,
        ["SGD"] = 2, ["TND"] = 3, ["TRY"] = 2, ["USD"] = 2, ["ZAR"] = 2,
    };

    public static bool IsKnown(string? code) => code is not null && MinorUnits.ContainsKey(code);

    public static IEnumerable<string> All => MinorUnits.Keys.Order(StringComparer.Ordinal);

    public static int MinorUnitsOf(string code) =>
        MinorUnits.TryGetValue(code, out var units) ? units : throw new ArgumentException($"'{code}' is not a currency this shop accepts.", nameof(code));

    /// <summary>Half-even (banker's) rounding to the currency's minor unit; applied once per line.</summary>
    public static decimal Round(decimal amount, string currency) => Math.Round(amount, MinorUnitsOf(currency), MidpointRounding.ToEven);
}
