using Microsoft.DurableTask.Client;

namespace Commerce.Durable.Engine;

internal static class RuntimeStatuses
{
    public static bool IsTerminal(this OrchestrationRuntimeStatus status) =>
        status is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;
}
