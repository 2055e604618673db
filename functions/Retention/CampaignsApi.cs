using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Security.Claims;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Orchestrations.RetentionCampaign;
using Commerce.Retention;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Storage.Documents;
using DurableTask.Core.Exceptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Commerce.Functions.Retention;

/// <summary>Retention campaigns: started by admins, run as durable orchestrations, measured against their holdout.</summary>
public static class CampaignsApi
{
    public static FunctionCatalog MapCampaignsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("StartRetentionCampaign", "retention/campaigns", ["POST"], Start,
            configure: e => e.RequireAdmin().WithIdempotencyKey().WithSummary("Starts a campaign with the interventions table in force: audience as of now, a random holdout, offers and messages at a set pace, then measurement after the window. Needs an Idempotency-Key: a retry starts nothing new."));
        functions.AddHttp("ListRetentionCampaigns", "retention/campaigns", ["GET"], List,
            configure: e => e.RequireAdmin().WithSummary("Campaigns, newest first."));
        functions.AddHttp("GetRetentionCampaign", "retention/campaigns/{id}", ["GET"], Get,
            configure: e => e.RequireAdmin().WithSummary("A campaign: audience, treated and control sizes, and once measured its repurchase and retention rates, uplift with a 95% interval, coupon cost and incremental margin. Rates count every order; money figures count only orders in the results' currency (Retention:Currency)."));
        return functions;
    }

    public static string CampaignIdFor(string subject, string idempotencyKey) =>
        "cmp-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{subject}\n{idempotencyKey}")))[..16];

    public static async Task<Results<Accepted<Campaign>, ValidationProblem, ProblemHttpResult>> Start(
        StartCampaignRequest request, HttpContext http, ClaimsPrincipal user, CampaignStore campaigns, InterventionRulesStore rules, CampaignSettings settings,
        DurableTaskClient orchestrations, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Name is not { Length: >= 1 and <= 200 })
            errors["name"] = ["is required, at most 200 characters"];
        if (request.HoldoutShare is not null and not (>= 0.01 and <= 0.5))
            errors["holdoutShare"] = ["must be between 0.01 and 0.5"];
        var window = settings.MeasurementWindow;
        if (request.MeasurementWindow is { } text
            && (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out window) || window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(365)))
            errors["measurementWindow"] = ["must be a duration (d.hh:mm:ss) between 1 second and 365 days"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        // The campaign's id comes from the request's key: a retry whose first answer was lost finds the campaign it started.
        var id = CampaignIdFor(user.SubjectId() ?? "admin", http.Request.Headers[IdempotencyExtensions.KeyHeader].ToString());
        if (await campaigns.GetAsync(id, cancellationToken) is not { } campaign)
        {
            var (table, _) = await rules.CurrentAsync(cancellationToken);
            if (table.Rules.Count == 0)
                return Preconditions.Conflict("No interventions", "Save an interventions table (PUT /api/retention/rules) before starting a campaign.");
            campaign = new Campaign
            {
                Id = id,
                Name = request.Name!,
                RulesVersion = table.Version,
                HoldoutShare = request.HoldoutShare ?? settings.HoldoutShare,
                MeasurementWindow = window,
                StartedAt = time.GetUtcNow(),
                StartedBy = user.SubjectId() ?? "admin",
                CodeSalt = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
            };
            try
            {
                await campaigns.CreateAsync(campaign, cancellationToken);
            }
            catch (DocumentConflictException)
            {
                campaign = (await campaigns.GetAsync(id, cancellationToken))!;
            }
        }
        try
        {
            await orchestrations.ScheduleNewOrchestrationInstanceAsync(RetentionCampaignOrchestrator.Name,
                new RetentionCampaignInput(campaign.Id, settings.MessagesPerSecond, settings.ParallelBatches), new StartOrchestrationOptions(campaign.Id), cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Started by the first attempt.
        }
        return TypedResults.Accepted($"/api/retention/campaigns/{campaign.Id}", campaign with { CodeSalt = "" });
    }

    public static async Task<Results<Ok<CampaignPage>, ValidationProblem>> List(int? pageSize, string? continuationToken, CampaignStore campaigns, CancellationToken cancellationToken)
    {
        if (pageSize is < 1 or > 100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["must be between 1 and 100"] });
        try
        {
            var (items, next) = await campaigns.ListAsync(pageSize ?? 20, continuationToken, cancellationToken);
            return TypedResults.Ok(new CampaignPage(items.Select(c => c with { CodeSalt = "" }).ToList(), next));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<Campaign>, NotFound>> Get(string id, CampaignStore campaigns, CancellationToken cancellationToken) =>
        await campaigns.GetAsync(id, cancellationToken) is { } campaign ? TypedResults.Ok(campaign with { CodeSalt = "" }) : TypedResults.NotFound();
}

public sealed record CampaignPage(IReadOnlyList<Campaign> Campaigns, string? ContinuationToken);

/// <param name="HoldoutShare">the control group's share, 0.01 to 0.5 (Campaigns:HoldoutShare by default).</param>
/// <param name="MeasurementWindow">d.hh:mm:ss after the messages (Campaigns:MeasurementWindow by default).</param>
public sealed record StartCampaignRequest(string? Name, double? HoldoutShare, string? MeasurementWindow);
