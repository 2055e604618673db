using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Retention.Audience;
using Commerce.Retention.Interventions;
using Commerce.Retention.Notifications;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Campaigns;

/// <summary>
/// Does to one treated member what their action says: a single-use code through the pricing module, a message
/// through the notification outbox, a task for staff. Everything is keyed by campaign and customer (the promotion
/// id, the message key, the task id) and the code is derived from the campaign's salt, so doing it again after a
/// crash finds what the first attempt made instead of making a second one.
/// </summary>
public sealed class CampaignTreatment(
    CampaignStore campaigns,
    PricingStore pricing,
    NotificationOutbox outbox,
    RetentionTaskStore tasks,
    RecommendationService recommendations,
    CustomerFeatureBuilder builder,
    TimeProvider time)
{
    public static string OfferId(string campaignId, string customerId) => $"cmp-{campaignId}-{customerId}";

    public static string MessageKey(string campaignId, string customerId) => $"campaign:{campaignId}:{customerId}";

    /// <summary>Unguessable without the campaign's salt, and the same every time it is worked out.</summary>
    public static string Code(Campaign campaign, string customerId)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(campaign.CodeSalt), Encoding.UTF8.GetBytes($"{campaign.Id}:{customerId}"));
        return "R" + Convert.ToBase64String(mac).Replace("+", "", StringComparison.Ordinal).Replace("/", "", StringComparison.Ordinal).ToUpperInvariant()[..11];
    }

    public async Task<CampaignMember> TreatAsync(Campaign campaign, CampaignMember member, CancellationToken cancellationToken)
    {
        if (member.TreatedAt is not null)
            return member;
        var now = time.GetUtcNow();
        var action = member.Action;
        var expires = action.ValidDays is { } days ? now.AddDays(days) : (DateTimeOffset?)null;
        string? code = null;
        if (action.IssuesCode)
        {
            code = Code(campaign, member.CustomerId);
            await IssueCodeAsync(campaign, member, code, expires!.Value, cancellationToken).ConfigureAwait(false);
        }

        string? taskId = null;
        string? notificationId = null;
        if (action.MessagesCustomer)
        {
            var content = await ContentAsync(member, code, expires, now, cancellationToken).ConfigureAwait(false);
            var notification = await outbox.SendAsync(new NotificationRequest(MessageKey(campaign.Id, member.CustomerId), member.CustomerId,
                NotificationCategory.Marketing, InterventionTable.Name(action.Kind), content) { CampaignId = campaign.Id }, cancellationToken).ConfigureAwait(false);
            notificationId = notification.Id;
        }
        else
        {
            var task = await tasks.CreateOnceAsync(new RetentionTask
            {
                Id = OfferId(campaign.Id, member.CustomerId),
                Kind = action.Kind,
                CustomerId = member.CustomerId,
                CampaignId = campaign.Id,
                Status = action.Kind == InterventionKind.AccountManagerTask ? RetentionTaskStatus.Open : RetentionTaskStatus.AwaitingApproval,
                Summary = TaskSummary(member),
                CreatedAt = now,
            }, cancellationToken).ConfigureAwait(false);
            taskId = task.Id;
        }
        var treated = member with { Code = code, NotificationId = notificationId, TaskId = taskId, TreatedAt = now };
        await campaigns.PutMemberAsync(treated, cancellationToken).ConfigureAwait(false);
        return treated;
    }

    private async Task IssueCodeAsync(Campaign campaign, CampaignMember member, string code, DateTimeOffset expires, CancellationToken cancellationToken)
    {
        try
        {
            await pricing.CreatePromotionAsync(new Promotion
            {
                Id = OfferId(campaign.Id, member.CustomerId),
                Name = $"{campaign.Name}: {member.Action.PercentOff}% off for {member.CustomerId}",
                Kind = PromotionKind.PercentOff,
                Value = member.Action.PercentOff!.Value,
                Coupon = code,
                UsageLimit = 1,
                ValidFrom = time.GetUtcNow(),
                ValidTo = expires,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // Issued by an earlier attempt: the same id carries the same code.
        }
    }

    private async Task<NotificationContent> ContentAsync(CampaignMember member, string? code, DateTimeOffset? expires, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var action = member.Action;
        string Percent() => action.PercentOff!.Value.ToString("0.##", CultureInfo.InvariantCulture);
        return action.Kind switch
        {
            InterventionKind.Coupon => new NotificationContent("A little something to come back for", $"Here is {Percent()}% off your next order.") { OfferCode = code, OfferExpiresAt = expires },
            InterventionKind.WelcomeSeries => new NotificationContent("Welcome, and thank you for your first order", $"Your second order is {Percent()}% off.") { OfferCode = code, OfferExpiresAt = expires },
            InterventionKind.FreeShipping => new NotificationContent("Free shipping on your next order", "Shipping is on us for your next order.") { OfferExpiresAt = expires },
            InterventionKind.ReorderReminder => await ReorderContentAsync(member.CustomerId, cancellationToken).ConfigureAwait(false),
            InterventionKind.TierUpgradeOffer => TierContent(member.Snapshot),
            _ => throw new InvalidOperationException($"{action.Kind} sends no message to the customer."),
        };
    }

    /// <summary>The buyer's due items as the recommendations' reorder slot finds them (in stock, active, due by the buyer's own rhythm).</summary>
    private async Task<NotificationContent> ReorderContentAsync(string customerId, CancellationToken cancellationToken)
    {
        var due = (await recommendations.RecommendAsync(new RecommendationQuery(RecommendationSlot.Reorder, customerId, null, 5, []), cancellationToken).ConfigureAwait(false)).Items;
        return due.Count == 0
            ? new NotificationContent("Time to stock up?", "Your usual items are waiting for you.")
            : new NotificationContent("Time to reorder", $"{due.Count} of your regular items {(due.Count == 1 ? "is" : "are")} due about now.") { Items = due.Select(d => d.Product.Name).ToList() };
    }

    private NotificationContent TierContent(CustomerSnapshot customer)
    {
        var features = builder.Settings;
        var tiers = features.Tiers;
        var (next, threshold) = customer.Tier switch
        {
            MembershipTier.None => (MembershipTier.Silver, tiers.Silver),
            MembershipTier.Silver => (MembershipTier.Gold, tiers.Gold),
            _ => (MembershipTier.Platinum, tiers.Platinum),
        };
        var missing = Math.Max(0, threshold - customer.TrailingSpend);
        return new NotificationContent($"You are close to {next.ToString().ToLowerInvariant()}",
            FormattableString.Invariant($"Spend {features.Currency} {missing:N2} more within the year to become a {next.ToString().ToLowerInvariant()} member, with the members' prices that come with it."));
    }

    private static string TaskSummary(CampaignMember member) => member.Action.Kind switch
    {
        InterventionKind.AccountManagerTask => FormattableString.Invariant($"Call {member.CustomerId}: {member.Snapshot.Tier.ToString().ToLowerInvariant()} wholesale account, {member.Snapshot.RecencyDays} days since the last order, risk {member.Snapshot.Risk?.ToString().ToLowerInvariant() ?? "not scored"}."),
        InterventionKind.NetTermsOffer => $"Offer {member.CustomerId} net payment terms: approve to tell the customer.",
        _ => $"Offer {member.CustomerId} a higher credit limit: approve to tell the customer.",
    };

    /// <summary>The message an approved offer sends; one per task.</summary>
    public static NotificationRequest ApprovedOffer(RetentionTask task) => new(
        $"task:{task.Id}",
        task.CustomerId,
        NotificationCategory.Marketing,
        InterventionTable.Name(task.Kind),
        task.Kind == InterventionKind.NetTermsOffer
            ? new NotificationContent("Pay on account", "We can offer your account net payment terms: order now, pay by invoice. Your account manager will be in touch to set them up.")
            : new NotificationContent("More room on your account", "We can offer your account a higher credit limit. Your account manager will be in touch to confirm it."))
    { CampaignId = task.CampaignId };
}
