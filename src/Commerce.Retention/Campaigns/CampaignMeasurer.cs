using Commerce.Analytics.Features;
using Commerce.Catalog.Products;
using Commerce.Orders.Orders;

namespace Commerce.Retention.Campaigns;

/// <summary>
/// Reads what every member of a campaign ordered in its measurement window from the order store, and measures it.
/// An order's margin uses each product's cost where the catalogue has one, the default margin rate elsewhere; a
/// member's code, redeemed as the percentage off every line it applied to, cost Total x p / (100 - p).
/// </summary>
public sealed class CampaignMeasurer(CampaignStore campaigns, OrderRepository orders, ProductCatalog catalog, CampaignSettings settings, CustomerFeatureBuilder features)
{
    public async Task<CampaignResults> MeasureAsync(Campaign campaign, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var members = await campaigns.MembersAsync(campaign.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
        var costs = new System.Collections.Concurrent.ConcurrentDictionary<string, decimal?>(StringComparer.Ordinal);
        var outcomes = new MemberOutcome[members.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, members.Count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var member = members[i];
            var placed = new List<MemberOrder>();
            string? token = null;
            var done = false;
            do
            {
                // Newest first: the first order from before the window ends the search.
                var page = await orders.ListByCustomerAsync(member.CustomerId, null, 100, token, ct).ConfigureAwait(false);
                foreach (var summary in page.Orders)
                {
                    if (summary.PlacedAt < from)
                    {
                        done = true;
                        break;
                    }
                    if (summary.PlacedAt >= to || summary.Status == OrderStatus.Cancelled || await orders.GetAsync(summary.Id, ct).ConfigureAwait(false) is not { } order)
                        continue;
                    var margin = 0m;
                    foreach (var line in order.Lines)
                    {
                        var cost = costs.TryGetValue(line.Sku, out var known) ? known : costs[line.Sku] = (await catalog.GetAsync(line.Sku, ct).ConfigureAwait(false))?.Product.Cost;
                        margin += cost is { } c ? (line.UnitPrice - c) * line.Quantity : line.LineTotal * settings.DefaultMarginRate;
                    }
                    var redeemed = member.Code is not null && string.Equals(order.Coupon, member.Code, StringComparison.OrdinalIgnoreCase);
                    var couponCost = redeemed && member.Action.PercentOff is { } p ? order.Total * p / (100 - p) : 0;
                    placed.Add(new MemberOrder(order.PlacedAt, order.Currency, order.Total, margin, couponCost));
                }
                token = page.ContinuationToken;
            }
            while (!done && token is not null);
            outcomes[i] = new MemberOutcome(member.Group, placed);
        }).ConfigureAwait(false);
        return CampaignMeasurement.Measure(outcomes, from, to, features.Settings.Currency);
    }
}
