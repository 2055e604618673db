using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Durable.Hosting;
using Commerce.Hosting;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Security;

/// <summary>
/// POST /&lt;FunctionName&gt; runs a timer or queue function (any activity with any input included). Only the Azure
/// Functions host may send it: on its own the app has no such paths, and under the host it listens on loopback alone.
/// </summary>
public sealed class InternalEndpointTests
{
    /// <summary>What the review sent anonymously to a standalone instance and got 200 for.</summary>
    public const string Invocation = """{"Data":{"message":"{}"},"Metadata":{}}""";

    [Fact]
    public async Task On_its_own_the_app_answers_404_for_every_timer_and_queue_function()
    {
        await using var app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" });
        var functions = app.Services.GetRequiredService<FunctionCatalog>();
        var names = functions.Timers().Select(f => f.Name).Concat(functions.Queues().Select(f => f.Name)).ToList();
        Assert.Contains(DurableTaskSetup.ActivityFunction, names);
        Assert.Contains(DurableTaskSetup.OrchestrationFunction, names);
        Assert.Contains(IdempotencyExtensions.CleanupFunction, names);

        foreach (var name in names)
        {
            var response = await app.Client.PostAsync("/" + name, new StringContent(Invocation, Encoding.UTF8, "application/json"));

            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"POST /{name} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("--preferHostingUrls=true")]
    [InlineData("--Kestrel:Endpoints:Public:Url=http://0.0.0.0:{other}")]
    public async Task Under_the_functions_host_the_invocation_paths_answer_on_loopback_and_nothing_else_listens(string setting)
    {
        var external = NonLoopbackAddress();
        using (var probe = new TcpListener(external, 0))
        {
            // The address is reachable at all, so a refused connection below means the app is not listening there.
            probe.Start();
            Assert.True(await AcceptsConnectionsAsync(external, ((IPEndPoint)probe.LocalEndpoint).Port));
        }
        using var data = new TempDirectory();
        var port = FreePort.Next();
        var other = FreePort.Next();
        await using var app = AppProcess.Start(
            ["--urls", $"http://0.0.0.0:{port};http://0.0.0.0:{other}", setting.Replace("{other}", other.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)],
            new Dictionary<string, string?>
            {
                ["Storage__DataDirectory"] = data.Path,
                [FunctionAppBuilder.CustomHandlerPortVariable] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));
        using var host = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        var timer = await host.PostAsync("/" + IdempotencyExtensions.CleanupFunction, new StringContent("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}""", Encoding.UTF8, "application/json"));
        var activity = await host.PostAsync("/" + DurableTaskSetup.ActivityFunction, new StringContent(Invocation, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, timer.StatusCode);
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], (await timer.Content.ReadFromJsonAsync<JsonObject>())!.Select(p => p.Key));
        Assert.NotEqual(HttpStatusCode.NotFound, activity.StatusCode);
        Assert.NotNull((await activity.Content.ReadFromJsonAsync<JsonObject>())!["Logs"]);
        Assert.False(await AcceptsConnectionsAsync(external, port), $"the custom handler port answered on {external}");
        Assert.False(await AcceptsConnectionsAsync(IPAddress.Loopback, other), $"port {other}, from {setting}, was bound");
    }

    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("This test needs a network interface with an IPv4 address besides loopback.");

    private static async Task<bool> AcceptsConnectionsAsync(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address, port).WaitAsync(TimeSpan.FromSeconds(10));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
