using System.Text.Json;
using Commerce.Storage.Documents;

namespace Commerce.Durable;

/// <summary>What a client can read about an instance.</summary>
public sealed record OrchestrationMetadata(
    string Name,
    string InstanceId,
    OrchestrationRuntimeStatus RuntimeStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    string? SerializedInput,
    string? SerializedOutput,
    string? SerializedCustomStatus,
    TaskFailureDetails? FailureDetails)
{
    public bool IsCompleted => RuntimeStatus.IsTerminal();

    public T? ReadInputAs<T>() => Read<T>(SerializedInput);
    public T? ReadOutputAs<T>() => Read<T>(SerializedOutput);
    public T? ReadCustomStatusAs<T>() => Read<T>(SerializedCustomStatus);

    private static T? Read<T>(string? serialized) => serialized is null ? default : JsonSerializer.Deserialize<T>(serialized, DocumentJson.Options);
}

public sealed record OrchestrationQuery
{
    public IReadOnlyList<OrchestrationRuntimeStatus>? Statuses { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    public int PageSize { get; init; } = 100;
    public string? ContinuationToken { get; init; }
}

public sealed record OrchestrationQueryPage(IReadOnlyList<OrchestrationMetadata> Instances, string? ContinuationToken);

public sealed record PurgeResult(int PurgedInstanceCount);
