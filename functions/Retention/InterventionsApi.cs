using System.Security.Claims;
using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Retention;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Retention.Notifications;
using Commerce.Retention.Risk;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Commerce.Functions.Retention;

/// <summary>The interventions table (versioned, validated on save) and the staff tasks campaigns create; admins only.</summary>
public static class InterventionsApi
{
    public static FunctionCatalog MapInterventionsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetInterventionRules", "retention/rules", ["GET"], GetRules,
            configure: e => e.RequireAdmin().WithSummary("The interventions table in force, with its version and ETag: the first rule matching a customer's stage, segment, risk band, type and tier decides the action."));
        functions.AddHttp("PutInterventionRules", "retention/rules", ["PUT"], PutRules,
            configure: e => e.RequireAdmin().WithSummary("Saves the table as its next version after validating every rule; If-Match with the current ETag once a table exists."));
        functions.AddHttp("GetInterventionRulesVersion", "retention/rules/versions/{version}", ["GET"], GetVersion,
            configure: e => e.RequireAdmin().WithSummary("One saved version of the table, as campaigns that ran with it saw it."));
        functions.AddHttp("ListRetentionTasks", "retention/tasks", ["GET"], ListTasks,
            configure: e => e.RequireAdmin().WithSummary("Account managers' tasks and offers awaiting approval, newest first; ?status= filters."));
        functions.AddHttp("DecideRetentionTask", "retention/tasks/{id}/{decision}", ["POST"], DecideTask,
            configure: e => e.RequireAdmin().WithSummary("approve (a net-terms or credit-limit offer puts its terms on the account, as proposed or as the body gives them, and tells the customer), decline, or done (a call made)."));
        return functions;
    }

    public static async Task<Ok<InterventionTable>> GetRules(HttpContext context, InterventionRulesStore store, CancellationToken cancellationToken)
    {
        var (table, etag) = await store.CurrentAsync(cancellationToken);
        if (etag is not null)
            context.Response.Headers.ETag = etag;
        return TypedResults.Ok(table);
    }

    public static async Task<Results<Ok<InterventionTable>, ValidationProblem, ProblemHttpResult>> PutRules(
        SaveRulesRequest request, HttpContext context, ClaimsPrincipal user, InterventionRulesStore store, CancellationToken cancellationToken)
    {
        var (rules, positions, errors) = request.ToRules();
        foreach (var (field, messages) in InterventionTable.Validate(rules))
        {
            // The table's checks number the rules that could be read; the client numbered all it sent.
            var at = field.StartsWith("rules[", StringComparison.Ordinal) ? int.Parse(field[6..field.IndexOf(']')], System.Globalization.CultureInfo.InvariantCulture) : -1;
            var sent = at < 0 ? field : $"rules[{positions[at]}]{field[(field.IndexOf(']') + 1)..]}";
            errors[sent] = [.. errors.GetValueOrDefault(sent, []), .. messages];
        }
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var (_, current) = await store.CurrentAsync(cancellationToken);
        var ifMatch = Preconditions.IfMatch(context.Request);
        if (current is not null && ifMatch is null)
            return Preconditions.Required("interventions table");
        try
        {
            var (table, etag) = await store.SaveAsync(rules, ifMatch, user.SubjectId() ?? "admin", cancellationToken);
            context.Response.Headers.ETag = etag;
            return TypedResults.Ok(table);
        }
        catch (DocumentPreconditionFailedException)
        {
            return Preconditions.Failed("interventions table");
        }
    }

    public static async Task<Results<Ok<InterventionTable>, NotFound>> GetVersion(int version, InterventionRulesStore store, CancellationToken cancellationToken) =>
        version > 0 && await store.VersionAsync(version, cancellationToken) is { } table ? TypedResults.Ok(table) : TypedResults.NotFound();

    public static async Task<Results<Ok<RetentionTaskPage>, ValidationProblem>> ListTasks(string? status, int? pageSize, string? continuationToken, RetentionTaskStore tasks, CancellationToken cancellationToken)
    {
        RetentionTaskStatus? wanted = null;
        if (status is not null)
        {
            if (!EnumNames.TryParse<RetentionTaskStatus>(status, out var parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"must be one of {EnumNames.List<RetentionTaskStatus>()}"] });
            wanted = parsed;
        }
        if (pageSize is < 1 or > 100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["must be between 1 and 100"] });
        try
        {
            var (items, next) = await tasks.ListAsync(wanted, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new RetentionTaskPage(items, next));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<RetentionTask>, NotFound, ValidationProblem, ProblemHttpResult>> DecideTask(
        string id, string decision, [FromBody] ApproveOfferRequest? terms, ClaimsPrincipal user, RetentionTaskStore tasks, CustomerService customers,
        NotificationOutbox outbox, CampaignSettings settings, CustomerFeatureBuilder features, TimeProvider time, CancellationToken cancellationToken)
    {
        var to = decision switch
        {
            "approve" => RetentionTaskStatus.Approved,
            "decline" => RetentionTaskStatus.Declined,
            "done" => RetentionTaskStatus.Done,
            _ => (RetentionTaskStatus?)null,
        };
        if (to is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["decision"] = ["must be approve, decline or done"] });
        if (await tasks.GetAsync(id, cancellationToken) is not { } task)
            return TypedResults.NotFound();
        var creditOffer = CreditOffers.IsCreditOffer(task.Kind);
        if (terms is not null && !(creditOffer && to == RetentionTaskStatus.Approved))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["terms are given only when approving a net-terms or credit-limit offer"] });
        var allowed = task.Status == RetentionTaskStatus.AwaitingApproval ? to is RetentionTaskStatus.Approved or RetentionTaskStatus.Declined : task.Status == RetentionTaskStatus.Open && to == RetentionTaskStatus.Done;
        if (!allowed && task.Status != to)
            return Preconditions.Conflict("Task cannot move that way", $"The task is {EnumNames.Of(task.Status)}; an offer is approved or declined, a call is marked done.");

        CreditTerms? granted = null;
        if (creditOffer && task.Status == RetentionTaskStatus.AwaitingApproval)
        {
            var account = (await customers.GetAsync(task.CustomerId, cancellationToken))?.Customer;
            if (account?.CreditTermsOfferId == task.Id && to == RetentionTaskStatus.Declined)
                return Preconditions.Conflict("Offer already granted", "The account carries this offer's terms; approve to finish the approval.");
            if (to == RetentionTaskStatus.Approved)
            {
                if (account is null)
                    return Preconditions.Conflict("Account not found", $"The account {task.CustomerId} no longer exists.");
                if (account.Kind != CustomerKind.Business)
                    return Preconditions.Conflict("Not a business account", $"Net terms are for business accounts; {task.CustomerId} is a consumer.");
                var currency = CreditOffers.AccountCurrency(account, features.Settings);
                var (limit, days) = (terms?.CreditLimit ?? task.ProposedTerms?.CreditLimit, terms?.PaymentTermsDays ?? task.ProposedTerms?.PaymentTermsDays);
                var errors = CreditOffers.Validate(limit, terms?.Currency?.ToUpperInvariant() ?? currency, days, currency, settings);
                if (errors.Count > 0)
                    return TypedResults.ValidationProblem(errors);
                // The account first, marked with the offer: an approval cut short here is finished by the next one, which
                // finds the marker, changes nothing more and records the terms the account carries.
                var updated = await customers.GrantCreditTermsAsync(task.CustomerId, task.Id, limit!.Value, currency, days!.Value, cancellationToken);
                if (updated is null)
                    return Preconditions.Conflict("Account not found", $"The account {task.CustomerId} no longer exists.");
                granted = new CreditTerms(updated.CreditLimit!.Value, updated.CreditCurrency!, updated.PaymentTermsDays!.Value);
            }
        }
        // Moved only from the state it was read in: another admin's decision in between stands.
        var decided = await tasks.ChangeAsync(id, t => t.Status != task.Status || t.Status == to ? t : t with { Status = to.Value, ApprovedTerms = granted, DecidedAt = time.GetUtcNow(), DecidedBy = user.SubjectId() }, cancellationToken);
        if (decided!.Status != to)
            return Preconditions.Conflict("Task decided meanwhile", $"The task became {EnumNames.Of(decided.Status)} while this request ran.");
        // Sent after the decision is stored; sending again (a retried approval) finds the first message.
        if (decided.Status == RetentionTaskStatus.Approved && decided.ApprovedTerms is not null)
            await outbox.SendAsync(CampaignTreatment.ApprovedOffer(decided), cancellationToken);
        return TypedResults.Ok(decided);
    }
}

public sealed record RetentionTaskPage(IReadOnlyList<RetentionTask> Tasks, string? ContinuationToken);

/// <summary>Terms to grant instead of the offer's proposal; each one left out is taken as proposed.</summary>
/// <param name="CreditLimit">more than zero, in the account's currency.</param>
/// <param name="Currency">the account's currency (its credit currency, or the shop's before it has one).</param>
/// <param name="PaymentTermsDays">days an invoice may wait, from 1 to the Campaigns:MaxNetTermsDays setting.</param>
public sealed record ApproveOfferRequest(decimal? CreditLimit, string? Currency, int? PaymentTermsDays);

/// <summary>A rule as clients write it: every condition optional (any), names as the API spells them.</summary>
/// <param name="Stage">New, Active, AtRisk, Lapsed or Reactivated.</param>
/// <param name="Segment">an RFM segment: Champions, Loyal, ..., Lost.</param>
/// <param name="Risk">low, medium or high.</param>
/// <param name="CustomerType">consumer or business.</param>
/// <param name="Tier">none, silver, gold or platinum.</param>
public sealed record RuleRequest(string? Id, string? Stage, string? Segment, string? Risk, string? CustomerType, string? Tier, ActionRequest? Action);

/// <param name="Kind">coupon, reorder_reminder, free_shipping, account_manager_task, net_terms_offer, credit_limit_offer, tier_upgrade_offer or welcome_series.</param>
public sealed record ActionRequest(string? Kind, decimal? PercentOff, int? ValidDays);

public sealed record SaveRulesRequest(IReadOnlyList<RuleRequest?>? Rules)
{
    /// <summary>The rules that could be read, where each stood in the request, and what could not be read (by field).</summary>
    public (List<InterventionRule> Rules, List<int> Positions, Dictionary<string, string[]> Errors) ToRules()
    {
        var errors = new Dictionary<string, string[]>();
        var rules = new List<InterventionRule>();
        var positions = new List<int>();
        if (Rules is null)
        {
            errors["rules"] = ["is required (an empty list clears the table)"];
            return (rules, positions, errors);
        }
        for (var i = 0; i < Rules.Count; i++)
        {
            var at = $"rules[{i}]";
            if (Rules[i] is not { } rule)
            {
                errors[at] = ["must be a rule object"];
                continue;
            }
            T? Parse<T>(string? value, string field) where T : struct, Enum
            {
                if (value is null)
                    return null;
                if (EnumNames.TryParse<T>(value, out var parsed))
                    return parsed;
                errors[$"{at}.{field}"] = [$"'{value}' is not one of {EnumNames.List<T>()}"];
                return null;
            }
            if (rule.Id is not { Length: >= 1 and <= 64 } id || !DocumentRules.IsValidKey(id))
                errors[$"{at}.id"] = ["is required: 1-64 letters, digits, '-' or '_'"];
            var stage = Parse<LifecycleStage>(rule.Stage, "stage");
            var segment = Parse<RfmSegment>(rule.Segment, "segment");
            var risk = Parse<RiskBand>(rule.Risk, "risk");
            var kind = Parse<CustomerKind>(rule.CustomerType, "customerType");
            var tier = Parse<MembershipTier>(rule.Tier, "tier");
            InterventionKind? action = null;
            if (rule.Action?.Kind is null)
                errors[$"{at}.action.kind"] = [$"is required: one of {EnumNames.List<InterventionKind>()}"];
            else
                action = Parse<InterventionKind>(rule.Action.Kind, "action.kind");
            if (action is { } a && !errors.Keys.Any(k => k.StartsWith(at + ".", StringComparison.Ordinal)))
            {
                rules.Add(new InterventionRule(rule.Id!, stage, segment, risk, kind, tier, new InterventionAction(a, rule.Action!.PercentOff, rule.Action.ValidDays)));
                positions.Add(i);
            }
        }
        return (rules, positions, errors);
    }
}
