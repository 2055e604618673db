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
    CustomerService customers,
    CampaignSettings settings,
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
            var proposed = CreditOffers.IsCreditOffer(action.Kind) && await customers.GetAsync(member.CustomerId, cancellationToken).ConfigureAwait(false) is { } account
                ? CreditOffers.Propose(member.Snapshot, account.Customer, settings, builder.Settings)
                : null;
            var task = await tasks.CreateOnceAsync(new RetentionTask
            {
                Id = OfferId(campaign.Id, member.CustomerId),
                Kind = action.Kind,
                CustomerId = member.CustomerId,
                CampaignId = campaign.Id,
                Status = action.Kind == InterventionKind.AccountManagerTask ? RetentionTaskStatus.Open : RetentionTaskStatus.AwaitingApproval,
                Summary = TaskSummary(member, proposed),
                ProposedTerms = proposed,
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
                CustomerId = member.CustomerId,
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

    private static string TaskSummary(CampaignMember member, CreditTerms? proposed)
    {
        var terms = proposed is null ? "approve with the terms to grant" : FormattableString.Invariant($"proposed {proposed.CreditLimit:0.##} {proposed.Currency} at {proposed.PaymentTermsDays} days; approve as proposed or with other terms");
        return member.Action.Kind switch
        {
            InterventionKind.AccountManagerTask => FormattableString.Invariant($"Call {member.CustomerId}: {member.Snapshot.Tier.ToString().ToLowerInvariant()} wholesale account, {member.Snapshot.RecencyDays} days since the last order, risk {member.Snapshot.Risk?.ToString().ToLowerInvariant() ?? "not scored"}."),
            InterventionKind.NetTermsOffer => $"Offer {member.CustomerId} net payment terms: {terms}.",
            _ => $"Offer {member.CustomerId} a higher credit limit: {terms}.",
        };
    }

    /// <summary>
    /// The message an approved offer sends, naming the terms it put on the account; one per task. It tells of a change
    /// already made to the customer's account, so it is transactional: no cap, quiet hours or marketing opt-out holds it back.
    /// </summary>
    public static NotificationRequest ApprovedOffer(RetentionTask task)
    {
        var terms = task.ApprovedTerms ?? throw new InvalidOperationException($"Task {task.Id} has no approved terms.");
        var limit = FormattableString.Invariant($"{terms.Currency} {terms.CreditLimit:N2}");
        return new NotificationRequest(
            $"task:{task.Id}",
            task.CustomerId,
            NotificationCategory.Transactional,
            InterventionTable.Name(task.Kind),
            task.Kind == InterventionKind.NetTermsOffer
                ? new NotificationContent("Pay on account", $"Your account can now pay by invoice: {terms.PaymentTermsDays} days to pay, up to {limit} on account. Choose net terms at checkout.")
                : new NotificationContent("More room on your account", $"Your credit limit is now {limit}, with {terms.PaymentTermsDays} days to pay."))
        { CampaignId = task.CampaignId };
    }
}
