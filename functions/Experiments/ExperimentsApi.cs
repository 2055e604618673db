using System.Security.Claims;
using Commerce.Catalog.Pricing;
using Commerce.Experiments;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Experiments;

/// <param name="Weight">relative share of traffic, 1-1000.</param>
public sealed record ExperimentVariantRequest(string? Name, int? Weight);

/// <param name="Id">optional: 1-64 lower-case letters, digits and '-', as the experiment is to be named in the lake; one is made up when omitted.</param>
/// <param name="Target">what the variants change: a recommendation slot (home, product, cart, checkout, reorder) or another name (checkout-button, winback-offer).</param>
/// <param name="Variants">2-10 variants; the first is the control.</param>
/// <param name="ExposuresPerVariant">the fixed horizon: exposures every variant needs before the result is read (at least 100).</param>
/// <param name="AttributionDays">how long after exposure an outcome counts (1-90, default 14).</param>
/// <param name="Currency">the currency whose orders count as revenue.</param>
public sealed record CreateExperimentRequest(string? Id, string? Name, string? Target, IReadOnlyList<ExperimentVariantRequest?>? Variants, int? ExposuresPerVariant, int? AttributionDays, string? Currency);

/// <summary>A/B experiments (admin), and each customer's own assignment, which logs their exposure.</summary>
public static class ExperimentsApi
{
    public static FunctionCatalog MapExperimentsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("CreateExperiment", "experiments", ["POST"], Create,
            configure: e => e.RequireAdmin().WithSummary("Creates an experiment in draft: name, target, variants with their traffic weights (the first is control), the fixed horizon (exposures per variant) and the attribution window."));
        functions.AddHttp("GetExperiment", "experiments/{id}", ["GET"], Get,
            configure: e => e.RequireAdmin().WithSummary("The experiment as declared, with its status."));
        functions.AddHttp("StartExperiment", "experiments/{id}/start", ["POST"], Start,
            configure: e => e.RequireAdmin().WithSummary("Starts a draft experiment: from now on customers are assigned and exposures logged. 409 unless it is a draft."));
        functions.AddHttp("StopExperiment", "experiments/{id}/stop", ["POST"], Stop,
            configure: e => e.RequireAdmin().WithSummary("Stops a running experiment for good: exposed customers keep their variant, nobody new is enrolled. 409 unless it is running."));
        functions.AddHttp("GetExperimentAssignment", "experiments/{id}/assignment", ["GET"], GetAssignment,
            configure: e => e.RequireCustomer().WithSummary("The signed-in customer's variant; while the experiment runs, the first call logs their exposure (once per customer and experiment)."));
        functions.AddHttp("GetExperimentResults", "experiments/{id}/results", ["GET"], GetResults,
            configure: e => e.RequireAdmin().WithSummary("Per variant: exposures, CTR, conversion, revenue per buyer; each against control with a 95% interval and p-value; the sample-ratio check; whether the fixed horizon allows reading it. Read from the lake."));
        return functions;
    }

    public static async Task<Results<Created<Experiment>, ValidationProblem, ProblemHttpResult>> Create(CreateExperimentRequest request, ExperimentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        var experiment = new Experiment
        {
            Id = request.Id ?? ExperimentStore.NewId(),
            Name = request.Name!.Trim(),
            Target = request.Target!.Trim().ToLowerInvariant(),
            Currency = request.Currency!,
            Variants = request.Variants!.Select(v => new ExperimentVariant(v!.Name!, v.Weight ?? 1)).ToList(),
            ExposuresPerVariant = request.ExposuresPerVariant!.Value,
            AttributionDays = request.AttributionDays ?? 14,
            Status = ExperimentStatus.Draft,
            CreatedAt = time.GetUtcNow(),
        };
        if (!await store.CreateAsync(experiment, cancellationToken))
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Experiment exists",
                detail: $"An experiment with id '{experiment.Id}' exists; an experiment is never redefined, so choose another id.");
        return TypedResults.Created($"/api/experiments/{experiment.Id}", experiment);
    }

    public static async Task<Results<Ok<Experiment>, NotFound>> Get(string id, ExperimentStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } experiment ? TypedResults.Ok(experiment) : TypedResults.NotFound();

    public static Task<Results<Ok<Experiment>, NotFound, ProblemHttpResult>> Start(string id, ExperimentStore store, CancellationToken cancellationToken) =>
        MoveAsync(id, ExperimentStatus.Running, store, cancellationToken);

    public static Task<Results<Ok<Experiment>, NotFound, ProblemHttpResult>> Stop(string id, ExperimentStore store, CancellationToken cancellationToken) =>
        MoveAsync(id, ExperimentStatus.Stopped, store, cancellationToken);

    public static async Task<Results<Ok<Assignment>, NotFound>> GetAssignment(string id, ClaimsPrincipal user, ExperimentStore store, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } experiment)
            return TypedResults.NotFound();
        return TypedResults.Ok(await store.ExposeAsync(experiment, user.SubjectId()!, cancellationToken));
    }

    public static async Task<Results<Ok<ExperimentResult>, NotFound>> GetResults(string id, ExperimentStore store, ExperimentResults results, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken) is not { } experiment)
            return TypedResults.NotFound();
        return TypedResults.Ok(await results.ReadAsync(experiment, cancellationToken));
    }

    private static async Task<Results<Ok<Experiment>, NotFound, ProblemHttpResult>> MoveAsync(string id, ExperimentStatus to, ExperimentStore store, CancellationToken cancellationToken)
    {
        if (await store.MoveAsync(id, to, cancellationToken) is not { } experiment)
            return TypedResults.NotFound();
        if (experiment.Status != to)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in this status",
                detail: $"The experiment is {experiment.Status.ToString().ToLowerInvariant()}: only a draft starts, only a running experiment stops, and a stopped one never runs again.");
        return TypedResults.Ok(experiment);
    }

    private static Dictionary<string, string[]> Validate(CreateExperimentRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Id is not null && !ExperimentStore.IsId(request.Id))
            errors["id"] = [$"must be 1-{ExperimentStore.MaxIdLength} lower-case letters, digits or '-'"];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
            errors["name"] = ["is required, at most 200 characters"];
        if (string.IsNullOrWhiteSpace(request.Target) || request.Target.Length > 64 || !request.Target.Trim().All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            errors["target"] = ["is required: 1-64 letters, digits, '-', '_' or '.' (a recommendation slot such as home, or another name)"];
        if (!Currencies.IsKnown(request.Currency))
            errors["currency"] = [$"must be an ISO 4217 code this shop accepts ({string.Join(", ", Currencies.All)})"];
        if (request.ExposuresPerVariant is not { } horizon || horizon < ExperimentRules.MinimumExposuresPerVariant || horizon > ExperimentRules.MaxExposuresPerVariant)
            errors["exposuresPerVariant"] = [$"is required: the fixed horizon, from {ExperimentRules.MinimumExposuresPerVariant} to {ExperimentRules.MaxExposuresPerVariant} exposures per variant"];
        if (request.AttributionDays is < 1 or > ExperimentRules.MaxAttributionDays)
            errors["attributionDays"] = [$"must be from 1 to {ExperimentRules.MaxAttributionDays}"];
        if (request.Variants is not { Count: >= 2 and <= ExperimentRules.MaxVariants } variants)
            errors["variants"] = [$"must list 2 to {ExperimentRules.MaxVariants} variants; the first is the control"];
        else
        {
            for (var i = 0; i < variants.Count; i++)
            {
                if (variants[i] is not { } variant || string.IsNullOrWhiteSpace(variant.Name) || variant.Name.Length > 64 || !variant.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                    errors[$"variants[{i}].name"] = ["is required: 1-64 letters, digits, '-' or '_'"];
                if (variants[i]?.Weight is < 1 or > 1000)
                    errors[$"variants[{i}].weight"] = ["must be from 1 to 1000 (a relative share; omitted means 1)"];
            }
            if (variants.Where(v => v?.Name is not null).GroupBy(v => v!.Name, StringComparer.Ordinal).Any(g => g.Count() > 1))
                errors["variants"] = ["must have distinct names"];
        }
        return errors;
    }
}
