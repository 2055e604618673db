using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Functions.Http;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Commerce.Functions.Orchestrations;

/// <summary>Management of orchestration instances, for operators (admin role).</summary>
public static class OrchestrationsApi
{
    public static FunctionCatalog MapOrchestrationsApi(this FunctionCatalog functions, Action<RouteHandlerBuilder> requireAdmin)
    {
        functions.AddHttp("ListOrchestrations", "orchestrations", ["GET"], ListInstances,
            configure: e => requireAdmin(e.WithSummary("Orchestration instances by status and creation time, newest first, paged.")));
        functions.AddHttp("GetOrchestration", "orchestrations/{id}", ["GET"], GetInstance,
            configure: e => requireAdmin(e.WithSummary("One orchestration instance; ?history=true adds its history.")));
        functions.AddHttp("TerminateOrchestration", "orchestrations/{id}/terminate", ["POST"], Terminate,
            configure: e => requireAdmin(e.WithSummary("Stops a pending or running instance with a reason; order lifecycles are cancelled through their order instead.")));
        functions.AddHttp("RaiseOrchestrationEvent", "orchestrations/{id}/events/{name}", ["POST"], RaiseEvent,
            configure: e => requireAdmin(e.WithSummary("Raises a named event, with the JSON body as its data.")));
        return functions;
    }

    public static async Task<Results<Ok<InstancePage>, ValidationProblem>> ListInstances(
        DurableTaskClient client,
        string? status,
        DateTimeOffset? createdFrom,
        DateTimeOffset? createdTo,
        int? pageSize,
        string? continuationToken,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        List<OrchestrationRuntimeStatus>? statuses = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            statuses = [];
            foreach (var name in status.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Enum.TryParse<OrchestrationRuntimeStatus>(name, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(name[0]))
                    statuses.Add(parsed);
                else
                    errors["status"] = [$"'{name}' is not one of {string.Join(", ", Enum.GetNames<OrchestrationRuntimeStatus>())}."];
            }
        }
        if (pageSize is < 1 or > 100)
            errors["pageSize"] = ["must be between 1 and 100"];
        if (createdFrom > createdTo)
            errors["createdFrom"] = ["must not be after createdTo"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        try
        {
            var size = pageSize ?? 50;
            var pages = client.GetAllInstancesAsync(new OrchestrationQuery(createdFrom, createdTo, statuses, PageSize: size, FetchInputsAndOutputs: true))
                .AsPages(continuationToken, size).WithCancellation(cancellationToken).ConfigureAwait(false);
            await foreach (var page in pages)
                return TypedResults.Ok(new InstancePage(page.Values.Select(InstanceView.From).ToList(), page.ContinuationToken));
            return TypedResults.Ok(new InstancePage([], null));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<InstanceView>, NotFound>> GetInstance(DurableTaskClient client, string id, bool? history, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (instance is null)
            return TypedResults.NotFound();
        var view = InstanceView.From(instance);
        if (history == true)
            view = view with { History = (await client.GetOrchestrationHistoryAsync(id, cancellationToken)).Select(HistoryEntry).ToList() };
        return TypedResults.Ok(view);
    }

    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> Terminate(
        DurableTaskClient client, string id, [FromBody] TerminateRequest? request, [FromServices] IEnumerable<TerminationRefused> refused, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, cancellationToken);
        if (instance is null)
            return TypedResults.NotFound();
        if (instance.IsCompleted)
            return AlreadyFinished(instance);
        if (refused.FirstOrDefault(r => string.Equals(r.Orchestration, instance.Name, StringComparison.OrdinalIgnoreCase)) is { } refusal)
            return Preconditions.Conflict("Not terminated", refusal.Instead.Replace("{id}", id, StringComparison.Ordinal));
        await client.TerminateInstanceAsync(id, new TerminateInstanceOptions(request?.Reason ?? "terminated by an operator"), cancellationToken);
        return TypedResults.Accepted($"/api/orchestrations/{id}");
    }

    public static async Task<Results<Accepted, NotFound, ProblemHttpResult>> RaiseEvent(DurableTaskClient client, string id, string name, [FromBody] JsonElement? data, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(id, cancellationToken);
        if (instance is null)
            return TypedResults.NotFound();
        if (instance.IsCompleted)
            return AlreadyFinished(instance);
        await client.RaiseEventAsync(id, name, data, cancellationToken);
        return TypedResults.Accepted($"/api/orchestrations/{id}");
    }

    /// <summary>A history event in DurableTask.Core's terms, with its kind as <c>type</c> ("executionStarted", "taskScheduled", ...).</summary>
    private static JsonElement HistoryEntry(DurableTask.Core.History.HistoryEvent e)
    {
        var entry = JsonSerializer.SerializeToNode(e, e.GetType(), Storage.Documents.DocumentJson.Options)!.AsObject();
        entry.Remove("extensionData");
        entry["type"] = JsonNamingPolicy.CamelCase.ConvertName(e.EventType.ToString());
        return JsonSerializer.SerializeToElement(entry);
    }

    private static ProblemHttpResult AlreadyFinished(OrchestrationMetadata instance) =>
        Preconditions.Conflict("Already finished", $"Instance '{instance.InstanceId}' is {instance.RuntimeStatus}.");
}

public sealed record TerminateRequest(string? Reason);

/// <summary>
/// An orchestration that operators may not terminate, because terminating skips the undoing it would do, with
/// what to do instead ("{id}" stands for the instance id). The area that owns the orchestration registers it.
/// </summary>
public sealed record TerminationRefused(string Orchestration, string Instead);

public sealed record InstancePage(IReadOnlyList<InstanceView> Instances, string? ContinuationToken);

public sealed record InstanceView(
    string InstanceId,
    string Name,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    JsonElement? Input,
    JsonElement? Output,
    JsonElement? CustomStatus,
    TaskFailureDetails? Failure)
{
    public IReadOnlyList<JsonElement>? History { get; init; }

    public static InstanceView From(OrchestrationMetadata metadata) => new(
        metadata.InstanceId,
        metadata.Name,
        metadata.RuntimeStatus.ToString(),
        metadata.CreatedAt,
        metadata.LastUpdatedAt,
        Parse(metadata.SerializedInput),
        Parse(metadata.SerializedOutput),
        Parse(metadata.SerializedCustomStatus),
        metadata.FailureDetails is { } failure ? failure with { StackTrace = null } : null);

    private static JsonElement? Parse(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();
}
