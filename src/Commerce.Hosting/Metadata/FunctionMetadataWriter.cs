using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.CustomHandler;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Queues;

namespace Commerce.Hosting.Metadata;

/// <summary>
/// Writes what the Azure Functions host needs to run this app as a custom handler: host.json and one
/// &lt;FunctionName&gt;/function.json per function, all taken from the function catalog.
/// </summary>
public static class FunctionMetadataWriter
{
    public sealed record Options(string OutputDirectory, string ExecutablePath, IReadOnlyList<string> Arguments, QueueTriggerOptions Queues);

    public static IReadOnlyList<string> Write(FunctionCatalog catalog, Options options)
    {
        Directory.CreateDirectory(options.OutputDirectory);
        var written = new List<string>();
        var hostJson = Path.Combine(options.OutputDirectory, "host.json");
        WriteJson(hostJson, HostJson(options));
        written.Add(hostJson);
        foreach (var function in catalog.All)
        {
            var folder = Path.Combine(options.OutputDirectory, function.Name);
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, "function.json");
            WriteJson(path, new JsonObject { ["bindings"] = Bindings(function) });
            written.Add(path);
        }
        return written;
    }

    public static JsonObject HostJson(Options options) => new()
    {
        ["version"] = "2.0",
        ["logging"] = new JsonObject { ["logLevel"] = new JsonObject { ["default"] = "Information" } },
        ["extensionBundle"] = new JsonObject
        {
            ["id"] = "Microsoft.Azure.Functions.ExtensionBundle",
            ["version"] = "[4.*, 5.0.0)",
        },
        ["customHandler"] = new JsonObject
        {
            ["description"] = new JsonObject
            {
                ["defaultExecutablePath"] = options.ExecutablePath,
                ["workingDirectory"] = "",
                ["arguments"] = new JsonArray(options.Arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            },
            ["enableForwardingHttpRequest"] = true,
        },
        ["extensions"] = new JsonObject
        {
            ["http"] = new JsonObject { ["routePrefix"] = "api" },
            ["queues"] = new JsonObject
            {
                ["batchSize"] = options.Queues.BatchSize,
                ["newBatchThreshold"] = options.Queues.NewBatchThreshold,
                ["maxDequeueCount"] = options.Queues.MaxDequeueCount,
                ["visibilityTimeout"] = options.Queues.VisibilityTimeout.ToString("c", CultureInfo.InvariantCulture),
                ["maxPollingInterval"] = options.Queues.MaxPollingInterval.ToString("c", CultureInfo.InvariantCulture),
                // Messages are JSON text as written by this app's queue adapter, not base64.
                ["messageEncoding"] = "none",
            },
        },
    };

    private static JsonArray Bindings(FunctionDefinition function) => function switch
    {
        HttpFunction http => new JsonArray(
            new JsonObject
            {
                ["type"] = "httpTrigger",
                ["direction"] = "in",
                ["name"] = "req",
                ["authLevel"] = http.AuthLevel.ToString().ToLowerInvariant(),
                ["methods"] = new JsonArray(http.Methods.Select(m => (JsonNode?)JsonValue.Create(m.ToLowerInvariant())).ToArray()),
                ["route"] = http.Route,
            },
            new JsonObject { ["type"] = "http", ["direction"] = "out", ["name"] = "res" }),
        TimerFunction timer => new JsonArray(new JsonObject
        {
            ["type"] = "timerTrigger",
            ["direction"] = "in",
            ["name"] = CustomHandlerEndpoints.TimerBinding,
            ["schedule"] = timer.Schedule.Expression,
            ["runOnStartup"] = timer.RunOnStartup,
            ["useMonitor"] = timer.UseMonitor,
        }),
        QueueFunction queue => new JsonArray(new JsonObject
        {
            ["type"] = "queueTrigger",
            ["direction"] = "in",
            ["name"] = CustomHandlerEndpoints.QueueBinding,
            ["queueName"] = queue.QueueName,
            ["connection"] = queue.Connection,
        }),
        _ => throw new NotSupportedException($"No bindings for {function.GetType().Name}."),
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static void WriteJson(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString(Indented) + Environment.NewLine);
}
