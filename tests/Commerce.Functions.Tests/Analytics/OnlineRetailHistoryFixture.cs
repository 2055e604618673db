using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Analytics.Features;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Analytics;

/// <summary>
/// The app on the embedded preset with the whole Online Retail file imported once over HTTP (as an admin
/// upload) and insights computed as of the day after its last invoice, shared by the tests of the collection;
/// and the file recounted by the tests' own plain code.
/// </summary>
public sealed class OnlineRetailHistoryFixture : IAsyncLifetime
{
    public FunctionAppHarness App { get; private set; } = null!;
    public JsonObject Report { get; private set; } = null!;
    public OnlineRetailRecount Recount { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" });
        var recount = Task.Run(() => new OnlineRetailRecount());
        using var admin = Admin();
        admin.Timeout = TimeSpan.FromMinutes(10);
        using var upload = new StreamContent(File.OpenRead(OnlineRetailRecount.File));
        upload.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var response = await admin.PostAsync("/api/analytics/history", upload);
        response.EnsureSuccessStatusCode();
        Report = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        await App.Services.GetRequiredService<CustomerInsightsService>().RecomputeAllAsync(OnlineRetailRecount.AsOf);
        Recount = await recount;
    }

    public HttpClient Admin() => App.ClientFor("ops", Commerce.Hosting.Auth.Roles.Admin);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class OnlineRetailHistoryCollection : ICollectionFixture<OnlineRetailHistoryFixture>
{
    public const string Name = "Online Retail history in the app";
}
