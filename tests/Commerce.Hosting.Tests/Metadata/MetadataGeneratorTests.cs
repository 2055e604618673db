using System.Text.Json.Nodes;
using Commerce.Hosting.Functions;
using Commerce.Testing;

namespace Commerce.Hosting.Tests.Metadata;

public sealed class MetadataGeneratorTests
{
    private static void SampleFunctions(FunctionAppBuilder builder)
    {
        builder.Functions.AddHttp("GetThing", "things/{id}", ["GET", "head"], (string id) => id);
        builder.Functions.AddHttp("PutThing", "things/{id}", ["PUT"], (string id) => id, AuthLevel.Function);
        builder.Functions.AddTimer("Cleanup", "0 */5 * * * *", (_, _) => Task.CompletedTask);
        builder.Functions.AddQueue<JsonObject>("Work", "work-items", (_, _) => Task.CompletedTask);
    }

    private static async Task<(int ExitCode, string Output)> GenerateAsync(string outDirectory, params string[] extra)
    {
        using var data = new TempDirectory();
        string[] args = ["generate-metadata", "--out", outDirectory, $"--Storage:DataDirectory={data.Path}", .. extra];
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            return (await FunctionAppBuilder.RunAsync(args, SampleFunctions), output.ToString());
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    private static JsonObject Read(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    [Fact]
    public async Task Host_json_describes_a_custom_handler_with_forwarded_http_and_queue_settings()
    {
        using var output = new TempDirectory();
        var (exitCode, _) = await GenerateAsync(output.Path, "--Queues:MaxDequeueCount=7");

        Assert.Equal(0, exitCode);
        var host = Read(Path.Combine(output.Path, "host.json"));
        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal("Microsoft.Azure.Functions.ExtensionBundle", (string?)host["extensionBundle"]!["id"]);
        Assert.Equal("Commerce.Functions", (string?)host["customHandler"]!["description"]!["defaultExecutablePath"]);
        Assert.True((bool)host["customHandler"]!["enableForwardingHttpRequest"]!);
        Assert.Equal("api", (string?)host["extensions"]!["http"]!["routePrefix"]);
        Assert.Equal(7, (int)host["extensions"]!["queues"]!["maxDequeueCount"]!);
        Assert.Equal("none", (string?)host["extensions"]!["queues"]!["messageEncoding"]);
    }

    [Fact]
    public async Task Every_function_gets_a_function_json_with_its_trigger_binding()
    {
        using var output = new TempDirectory();
        var (_, printed) = await GenerateAsync(output.Path);

        Assert.Equal(["Cleanup", "GetThing", "PutThing", "Work"], Directory.GetDirectories(output.Path).Select(Path.GetFileName).Order());
        Assert.Contains(Path.Combine(output.Path, "Work", "function.json"), printed);

        var get = Read(Path.Combine(output.Path, "GetThing", "function.json"))["bindings"]!.AsArray();
        Assert.Equal("httpTrigger", (string?)get[0]!["type"]);
        Assert.Equal("in", (string?)get[0]!["direction"]);
        Assert.Equal("things/{id}", (string?)get[0]!["route"]);
        Assert.Equal(["get", "head"], get[0]!["methods"]!.AsArray().Select(m => (string?)m));
        Assert.Equal("anonymous", (string?)get[0]!["authLevel"]);
        Assert.Equal("http", (string?)get[1]!["type"]);
        Assert.Equal("out", (string?)get[1]!["direction"]);
        Assert.Equal("function", (string?)Read(Path.Combine(output.Path, "PutThing", "function.json"))["bindings"]![0]!["authLevel"]);

        var timer = Read(Path.Combine(output.Path, "Cleanup", "function.json"))["bindings"]![0]!;
        Assert.Equal("timerTrigger", (string?)timer["type"]);
        Assert.Equal("0 */5 * * * *", (string?)timer["schedule"]);
        Assert.Equal("timer", (string?)timer["name"]);

        var queue = Read(Path.Combine(output.Path, "Work", "function.json"))["bindings"]![0]!;
        Assert.Equal("queueTrigger", (string?)queue["type"]);
        Assert.Equal("work-items", (string?)queue["queueName"]);
        Assert.Equal("AzureWebJobsStorage", (string?)queue["connection"]);
        Assert.Equal("message", (string?)queue["name"]);
    }

    [Fact]
    public async Task The_executable_can_be_chosen_for_framework_dependent_deployments()
    {
        using var output = new TempDirectory();
        await GenerateAsync(output.Path, "--executable", "dotnet", "--arguments", "Commerce.Functions.dll");

        var description = Read(Path.Combine(output.Path, "host.json"))["customHandler"]!["description"]!;
        Assert.Equal("dotnet", (string?)description["defaultExecutablePath"]);
        Assert.Equal(["Commerce.Functions.dll"], description["arguments"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void Registrations_that_azure_would_reject_fail_when_they_are_made()
    {
        var functions = new FunctionCatalog();
        functions.AddTimer("Ok", "0 0 * * * *", (_, _) => Task.CompletedTask);

        Assert.Throws<ArgumentException>(() => functions.AddTimer("ok", "0 0 * * * *", (_, _) => Task.CompletedTask));
        Assert.Throws<ArgumentException>(() => functions.AddHttp("1st", "x", ["GET"], () => 1));
        Assert.Throws<ArgumentException>(() => functions.AddHttp("Abs", "/api/x", ["GET"], () => 1));
        Assert.Throws<ArgumentException>(() => functions.AddQueue<JsonObject>("Q", "Bad_Queue", (_, _) => Task.CompletedTask));
        Assert.Throws<ArgumentException>(() => functions.AddQueue<JsonObject>("P", "work-poison", (_, _) => Task.CompletedTask));
        Assert.Throws<FormatException>(() => functions.AddTimer("BadMinute", "0 61 * * * *", (_, _) => Task.CompletedTask));
    }
}
