using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// One storage service (blob or queue) of one account behind an <see cref="HttpPipeline"/>: builds requests,
/// sends them, and turns transport failures and unexpected answers into exceptions an operator can act on.
/// </summary>
internal sealed class StorageServiceClient
{
    private readonly HttpPipeline _pipeline;
    private readonly AzureStorageClientOptions _options;
    private readonly string _baseUri;

    /// <param name="service">"blob" or "queue".</param>
    public StorageServiceClient(string service, AzureStorageConnection connection, AzureStorageClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Endpoint = connection.RequireEndpoint(service);
        Service = service == "blob" ? "Blob" : "Queue";
        _options = options;
        _baseUri = Endpoint.AbsoluteUri.TrimEnd('/') + "/";
        _pipeline = HttpPipelineBuilder.Build(options, connection.CreateAuthenticationPolicy(Endpoint));
    }

    public string Service { get; }

    public Uri Endpoint { get; }

    public AzureStorageClientOptions Options => _options;

    /// <param name="path">relative to the endpoint, already escaped ("" for the service itself).</param>
    public HttpMessage CreateMessage(RequestMethod method, string path)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(new Uri(_baseUri + path));
        message.Request.Headers.SetValue("x-ms-version", _options.ServiceVersion);
        return message;
    }

    /// <summary>Sends the request; any HTTP status comes back in <c>message.Response</c>.</summary>
    /// <exception cref="StoreUnavailableException">the endpoint could not be reached or did not answer, retries included.</exception>
    public async Task<Response> SendAsync(HttpMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _pipeline.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return message.Response;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && TransportFailure(e) is { } failure)
        {
            throw new StoreUnavailableException(
                failure.Length == 0
                    ? $"Azure {Service} storage at {Endpoint} did not answer within {_options.Retry.NetworkTimeout.TotalSeconds:0.#} s in any of {_options.Retry.MaxRetries + 1} tries"
                    : $"Azure {Service} storage at {Endpoint} could not be reached: {failure}",
                e);
        }
    }

    /// <summary>The exception for an answer the caller has no meaning for, with the service's error code and message.</summary>
    public RequestFailedException Failure(Response response, string operation)
    {
        var code = ErrorCode(response);
        var text = $"Azure {Service} storage at {Endpoint} answered {response.Status} {code ?? response.ReasonPhrase} to {operation}";
        if (ErrorMessage(response) is { } detail)
            text += $": {detail}";
        if (response.Status is 401 or 403)
            text += $" (check the account key, or that the identity has the Storage {Service} Data Contributor role)";
        return new RequestFailedException(response.Status, text, code, null);
    }

    public static string? ErrorCode(Response response)
    {
        if (response.Headers.TryGetValue("x-ms-error-code", out var header) && header.Length > 0)
            return header;
        return ErrorXml(response)?.Element("Code")?.Value;
    }

    /// <summary>Asks for one container or queue name: cheap, allowed for the data roles, and proves the credentials.</summary>
    public async Task<StoreHealth> CheckHealthAsync(string store, string adapter, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.HealthTimeout);
        try
        {
            using var message = CreateMessage(RequestMethod.Get, "");
            message.Request.Uri.AppendQuery("comp", "list");
            message.Request.Uri.AppendQuery("maxresults", "1");
            var response = await SendAsync(message, timeout.Token).ConfigureAwait(false);
            return response.Status == 200
                ? new StoreHealth(store, adapter, true, Endpoint.ToString())
                : new StoreHealth(store, adapter, false, Failure(response, "a health check").Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new StoreHealth(store, adapter, false, $"Azure {Service} storage at {Endpoint} did not answer within {_options.HealthTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return new StoreHealth(store, adapter, false, e is StoreUnavailableException or RequestFailedException ? OneLine(e.Message) : $"Azure {Service} storage at {Endpoint}: {e.GetType().Name}: {OneLine(e.Message)}");
        }
    }

    public static XDocument ReadXml(Response response)
    {
        using var reader = XmlReader.Create(response.ContentStream ?? Stream.Null, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        return XDocument.Load(reader);
    }

    public static string Header(Response response, string name) =>
        response.Headers.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"The storage service's answer lacks the {name} header.");

    public static DateTimeOffset ParseDate(string value) =>
        DateTimeOffset.ParseExact(value, "R", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Whole seconds, rounded up so that nothing becomes visible earlier than asked.</summary>
    public static long CeilingSeconds(TimeSpan value) => (value.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    /// <returns>why the service could not be reached, "" when it did not answer in time, null for other failures.</returns>
    private static string? TransportFailure(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 } e => OneLine(Innermost(e).Message),
        HttpRequestException or IOException => OneLine(Innermost(exception).Message),
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

    private static string? ErrorMessage(Response response)
    {
        var message = ErrorXml(response)?.Element("Message")?.Value;
        // The service appends "RequestId:...\nTime:..." on further lines.
        return message is null ? null : OneLine(message.Split('\n')[0]);
    }

    private static XElement? ErrorXml(Response response)
    {
        if (response.ContentStream is not { CanSeek: true, Length: > 0 } stream)
            return null;
        try
        {
            stream.Position = 0;
            var root = ReadXml(response).Root;
            return root?.Name == "Error" ? root : null;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
