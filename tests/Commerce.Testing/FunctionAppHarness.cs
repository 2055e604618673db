using Commerce.Hosting;
using Commerce.Hosting.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Testing;

/// <summary>A function app started in this process on a free loopback port, with its own data folder.</summary>
public sealed class FunctionAppHarness : IAsyncDisposable
{
    private readonly TempDirectory? _ownedData;

    private FunctionAppHarness(FunctionApp app, Uri baseAddress, string dataDirectory, TempDirectory? ownedData)
    {
        App = app;
        BaseAddress = baseAddress;
        DataDirectory = dataDirectory;
        _ownedData = ownedData;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The key test apps sign and check tokens with; not a secret of any deployment.</summary>
    public const string TestSigningKey = "dGVzdC1zaWduaW5nLWtleS1vZi0yNTYtYml0cy0hIS0tLQ==";
    public const string TestServiceBusNamespace = "sb-commerce-test.servicebus.windows.net";
    public const string TestServiceBusClientId = "00000000-0000-0000-0000-0000000000aa";

    public FunctionApp App { get; }
    public IServiceProvider Services => App.Services;
    public Uri BaseAddress { get; }
    public string DataDirectory { get; }
    public HttpClient Client { get; }

    /// <param name="create">makes the builder from arguments (the product's own builder, or a bare one with test functions).</param>
    /// <param name="settings">settings passed on the command line, e.g. ["Queues:MaxDequeueCount"] = "3".</param>
    /// <param name="dataDirectory">share a data folder between apps; a fresh one is made and removed otherwise.</param>
    /// <param name="underFunctionsHost">start the app as the Azure Functions host does: the port comes as its custom handler port.</param>
    public static async Task<FunctionAppHarness> StartAsync(
        Func<string[], FunctionAppBuilder> create,
        IReadOnlyDictionary<string, string>? settings = null,
        string? dataDirectory = null,
        Action<FunctionAppBuilder>? configure = null,
        bool underFunctionsHost = false)
    {
        var owned = dataDirectory is null ? new TempDirectory("app-data") : null;
        var data = dataDirectory ?? owned!.Path;
        var port = FreePort.Next();
        var args = new List<string>
        {
            underFunctionsHost ? $"--{FunctionAppBuilder.CustomHandlerPortVariable}={port}" : $"--urls=http://127.0.0.1:{port}",
            $"--Storage:DataDirectory={data}",
            "--LocalSettingsPath=" + Path.Combine(data, "local.settings.json"),
            $"--Auth:SigningKey={TestSigningKey}",
            // What a deployment sets for integration events; only the azure preset reads them, and no test sends to Service Bus.
            $"--ServiceBus:fullyQualifiedNamespace={TestServiceBusNamespace}",
            $"--ServiceBus:clientId={TestServiceBusClientId}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            args.Add($"--{key}={value}");
        var builder = create([.. args]);
        configure?.Invoke(builder);
        var app = builder.Build();
        await app.StartAsync();
        return new FunctionAppHarness(app, new Uri($"http://127.0.0.1:{port}/"), data, owned);
    }

    public static Task<FunctionAppHarness> StartAsync(Action<FunctionAppBuilder> configure, IReadOnlyDictionary<string, string>? settings = null, string? dataDirectory = null, bool underFunctionsHost = false) =>
        StartAsync(FunctionAppBuilder.Create, settings, dataDirectory, configure, underFunctionsHost);

    /// <summary>A client that sends a bearer token for <paramref name="subject"/> with <paramref name="roles"/>.</summary>
    public HttpClient ClientFor(string subject, params string[] roles)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var token = Services.GetRequiredService<TokenIssuer>().Issue(subject, roles.Length == 0 ? [Roles.Customer] : roles);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _ownedData?.Dispose();
    }
}
