namespace Commerce.Durable;

/// <summary>What went wrong in an activity, sub-orchestration or orchestration, kept in history.</summary>
public sealed record TaskFailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null, TaskFailureDetails? InnerFailure = null)
{
    public static TaskFailureDetails FromException(Exception exception) => new(
        exception.GetType().FullName ?? exception.GetType().Name,
        exception.Message,
        exception.StackTrace,
        exception.InnerException is null ? null : FromException(exception.InnerException));

    /// <summary>True when the failure (not its inner failures) was an exception of type <typeparamref name="T"/> or a subclass.</summary>
    public bool IsCausedBy<T>() where T : Exception
    {
        for (var type = Type.GetType(ErrorType, throwOnError: false) ?? FindLoaded(ErrorType); type is not null; type = type.BaseType)
        {
            if (type == typeof(T))
                return true;
        }
        return ErrorType == typeof(T).FullName;
    }

    private static Type? FindLoaded(string fullName) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(fullName, throwOnError: false)).FirstOrDefault(t => t is not null);

    public override string ToString() => InnerFailure is null ? $"{ErrorType}: {ErrorMessage}" : $"{ErrorType}: {ErrorMessage} ---> {InnerFailure}";
}

/// <summary>An activity or sub-orchestration the orchestration awaited has failed.</summary>
public sealed class TaskFailedException(string taskName, int taskId, TaskFailureDetails failureDetails)
    : Exception($"Task '{taskName}' (#{taskId}) failed with an unhandled exception: {failureDetails.ErrorMessage}")
{
    public string TaskName { get; } = taskName;
    public int TaskId { get; } = taskId;
    public TaskFailureDetails FailureDetails { get; } = failureDetails;
}

/// <summary>The orchestration code did something other than what its history records; the instance fails.</summary>
public sealed class NonDeterministicOrchestrationException(string message) : Exception(message);

/// <summary>ScheduleNew was asked for an instance id that is already pending or running.</summary>
public sealed class OrchestrationAlreadyExistsException(string instanceId, OrchestrationRuntimeStatus status)
    : Exception($"Orchestration instance '{instanceId}' already exists and is {status}.")
{
    public string InstanceId { get; } = instanceId;
    public OrchestrationRuntimeStatus Status { get; } = status;
}
