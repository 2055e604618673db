using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Intelligence.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Models;

/// <summary>The model registry for operators (admin): versions and their metrics, training now, promotion and rollback.</summary>
public static class ModelsApi
{
    public static FunctionCatalog MapModelsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ListModels", "models", ["GET"], ListModels,
            configure: e => e.RequireAdmin().WithSummary("Every model kind with its versions (newest first, with metrics, data window and decision), the live version and recent training failures."));
        functions.AddHttp("TrainModel", "models/{kind}/train", ["POST"], TrainModel,
            configure: e => e.RequireAdmin().WithSummary("Trains a new version now; it goes live only if it is not worse than the live version on the same holdout. 409 when training is running or fails (the live model keeps serving)."));
        functions.AddHttp("PromoteModel", "models/{kind}/promote", ["POST"], PromoteModel,
            configure: e => e.RequireAdmin().WithSummary("Makes a stored version live: a rollback or a roll-forward."));
        return functions;
    }

    /// <summary>A timer function that trains a new version of <paramref name="kind"/>; an occurrence that finds training running is skipped.</summary>
    public static FunctionCatalog AddTrainingTimer(this FunctionCatalog functions, string name, string schedule, string kind)
    {
        functions.AddTimer(name, schedule, async (_, context) =>
        {
            try
            {
                var report = await context.Services.GetRequiredService<ModelRegistry>().TrainAsync(kind, context.CancellationToken);
                context.Logger.LogInformation("Model {Kind} {Version}: {Decision}", kind, report.Version, report.Decision);
            }
            catch (TrainingInProgressException e)
            {
                context.Logger.LogWarning("{Message} This occurrence is skipped.", e.Message);
            }
        });
        return functions;
    }

    public static async Task<Ok<IReadOnlyList<ModelKindStatus>>> ListModels(ModelRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListAsync(cancellationToken));

    public static async Task<Results<Ok<TrainingReport>, NotFound, ProblemHttpResult>> TrainModel(string kind, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!registry.IsKind(kind))
            return TypedResults.NotFound();
        try
        {
            return TypedResults.Ok(await registry.TrainAsync(kind, cancellationToken));
        }
        catch (TrainingInProgressException e)
        {
            return Preconditions.Conflict("Training is running", e.Message);
        }
        catch (ModelTrainingException e)
        {
            return Preconditions.Conflict("Training failed", $"{e.Message} The live model keeps serving; the failure is listed in GET /api/models.");
        }
    }

    public static async Task<Results<Ok<LatestPointer>, NotFound, ValidationProblem>> PromoteModel(string kind, PromoteModelRequest request, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (!registry.IsKind(kind))
            return TypedResults.NotFound();
        if (string.IsNullOrWhiteSpace(request.Version) || !ModelRegistry.IsValidVersion(request.Version))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["version"] = ["must name a stored version, as GET /api/models lists them"] });
        if (request.Reason is { Length: > 500 })
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["must be at most 500 characters"] });
        if (!await registry.PromoteAsync(kind, request.Version, request.Reason ?? "promoted by an operator", cancellationToken))
            return TypedResults.NotFound();
        return TypedResults.Ok((await registry.LatestAsync(kind, cancellationToken))!);
    }
}

/// <param name="Version">the stored version to make live.</param>
/// <param name="Reason">kept with the promotion.</param>
public sealed record PromoteModelRequest(string? Version, string? Reason);
