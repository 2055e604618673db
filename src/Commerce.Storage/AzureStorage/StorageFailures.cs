using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// Turns a storage endpoint that cannot be reached, retries included, into a <see cref="StoreUnavailableException"/>
/// whose one line names the endpoint. Sits before the retry policy, so it sees only the final failure.
/// </summary>
internal sealed class StorageTransportFailurePolicy(string service, AzureStorageClientOptions options) : HttpPipelinePolicy
{
    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e) when (Unavailable(message, e) is { } unavailable)
        {
            throw unavailable;
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        try
        {
            ProcessNext(message, pipeline);
        }
        catch (Exception e) when (Unavailable(message, e) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private StoreUnavailableException? Unavailable(HttpMessage message, Exception exception)
    {
        if (message.CancellationToken.IsCancellationRequested || TransportFailure(exception) is not { } failure)
            return null;
        var endpoint = message.Request.Uri.ToUri().GetLeftPart(UriPartial.Authority);
        return new StoreUnavailableException(
            failure.Length == 0
                ? $"Azure {service} storage at {endpoint} did not answer within {options.NetworkTimeout.TotalSeconds:0.#} s in any of {options.MaxRetries + 1} tries"
                : $"Azure {service} storage at {endpoint} could not be reached: {failure}",
            exception);
    }

    /// <returns>why the service could not be reached, "" when it did not answer in time, null for other failures.</returns>
    private static string? TransportFailure(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 } e => StorageFailures.OneLine(Innermost(e).Message),
        HttpRequestException or IOException => StorageFailures.OneLine(Innermost(exception).Message),
        // Azure.Core reports a try that exceeded Retry.NetworkTimeout as a cancellation.
        OperationCanceledException => "",
        AggregateException { InnerExceptions.Count: > 0 } e => TransportFailure(e.InnerExceptions[^1]),
        _ => null,
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
            exception = inner;
        return exception;
    }
}

internal static class StorageFailures
{
    /// <summary>
    /// Makes one cheap request that the data roles may make and that proves the credentials (list one container or
    /// queue name), and reports the outcome in one line.
    /// </summary>
    public static async Task<StoreHealth> CheckHealthAsync(
        string store, string adapter, string service, Uri endpoint, TimeSpan timeout, Func<CancellationToken, Task> probe, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await probe(deadline.Token).ConfigureAwait(false);
            return new StoreHealth(store, adapter, true, endpoint.ToString());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StoreHealth(store, adapter, false, $"Azure {service} storage at {endpoint} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (RequestFailedException e) when (!cancellationToken.IsCancellationRequested)
        {
            var detail = $"Azure {service} storage at {endpoint} answered {e.Status} {e.ErrorCode} to a health check";
            if (e.Status is 401 or 403)
                detail += $" (check the account key, or that the identity has the Storage {service} Data Contributor role)";
            return new StoreHealth(store, adapter, false, detail);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return new StoreHealth(store, adapter, false, e is StoreUnavailableException ? OneLine(e.Message) : $"Azure {service} storage at {endpoint}: {e.GetType().Name}: {OneLine(e.Message)}");
        }
    }

    public static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
