using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Testing;

namespace Commerce.Analytics.Tests;

/// <summary>
/// The Online Retail file read once per test run: through the product's reader, and a second time by a plain
/// parser of the test's own, so that figures can be checked against an independent recount.
/// </summary>
public sealed class OnlineRetailData
{
    public static string File => OnlineRetailRecount.File;

    public OnlineRetailData()
    {
        Lines = OnlineRetailFile.LoadAsync(File).GetAwaiter().GetResult();
        History = OnlineRetailHistory.From(Lines);
        Purchases = new PurchaseHistory(History.Purchases());
        _features = new(() => new CustomerFeatureBuilder(new FeatureSettings()).Build(Purchases, [], new Dictionary<string, CustomerProfile>(), AsOf));
        Recount = new OnlineRetailRecount();
    }

    public IReadOnlyList<OnlineRetailLine> Lines { get; }
    public OnlineRetailHistory History { get; }
    public PurchaseHistory Purchases { get; }

    /// <summary>The same file counted by the tests' own plain code.</summary>
    public OnlineRetailRecount Recount { get; }
    public IReadOnlyList<RawRow> Raw => Recount.Raw;
    public IReadOnlyList<RawRow> RawSales => Recount.Sales;
    public IReadOnlyList<RawRow> RawCancellations => Recount.Cancellations;
    public IReadOnlyList<RawRow> RawMatchedReturns => Recount.MatchedReturns;
    public IReadOnlyDictionary<string, DateTime> InvoiceTime => Recount.InvoiceTime;

    /// <summary>The day after the last invoice.</summary>
    public static readonly DateTime AsOf = OnlineRetailRecount.AsOf;

    /// <summary>Features of every customer as of <see cref="AsOf"/>, built once.</summary>
    public FeatureSet Features => _features.Value;

    private readonly Lazy<FeatureSet> _features;
}

[CollectionDefinition(Name)]
public sealed class OnlineRetailCollection : ICollectionFixture<OnlineRetailData>
{
    public const string Name = "Online Retail";
}
