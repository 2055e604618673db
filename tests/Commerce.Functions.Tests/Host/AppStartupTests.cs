using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Host;

/// <summary>The app as an operator runs it: a real process, real port, real files.</summary>
public sealed class AppStartupTests
{
    [Fact]
    public async Task From_an_empty_data_folder_health_answers_200_naming_every_store()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string?> { ["Storage__DataDirectory"] = data.Path });

        var response = await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));

        var health = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Healthy", (string?)health["status"]);
        Assert.Equal("embedded", (string?)health["preset"]);
        var stores = health["stores"]!.AsArray().ToDictionary(s => (string)s!["store"]!, s => ((string?)s!["adapter"], (bool)s["ready"]!));
        Assert.Equal(("sqlite", true), stores["documents"]);
        Assert.Equal(("folder", true), stores["blobs"]);
        Assert.Equal(("sqlite", true), stores["queues"]);
        Assert.True(File.Exists(Path.Combine(data.Path, "documents.db")));
        Assert.True(File.Exists(Path.Combine(data.Path, "queues.db")));
    }

    [Fact]
    public async Task The_address_comes_from_aspnetcore_urls_when_no_urls_argument_is_given()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        await using var app = AppProcess.Start([], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        });

        await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Termination_stops_the_app_cleanly()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string?> { ["Storage__DataDirectory"] = data.Path });
        await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));

        app.Terminate();

        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData("Storage__Preset", "cloud", "Storage:Preset")]
    [InlineData("Queues__BatchSize", "0", "Queues:BatchSize")]
    [InlineData("Campaigns__NetTermsDays", "120", "Campaigns:NetTermsDays")]
    public async Task A_bad_setting_stops_start_up_with_one_line_naming_it(string variable, string value, string setting)
    {
        using var data = new TempDirectory();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}"], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            [variable] = value,
        });

        Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(setting, line);
        Assert.DoesNotContain(" at ", app.StandardOutput + app.StandardError);
    }

    [Fact]
    public async Task An_unwritable_data_directory_is_reported_in_one_line()
    {
        using var data = new TempDirectory();
        var blocker = Path.Combine(data.Path, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the data folder should be");
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}"], new Dictionary<string, string?> { ["Storage__DataDirectory"] = blocker });

        Assert.NotEqual(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Storage:DataDirectory", line);
    }

    [Fact]
    public async Task Generate_metadata_writes_host_json_and_a_function_json_per_function()
    {
        using var output = new TempDirectory();
        using var data = new TempDirectory();
        await using var app = AppProcess.Start(["generate-metadata", "--out", output.Path], new Dictionary<string, string?> { ["Storage__DataDirectory"] = data.Path });

        Assert.Equal(0, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var host = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "host.json")))!;
        Assert.True((bool)host["customHandler"]!["enableForwardingHttpRequest"]!);
        var health = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output.Path, "Health", "function.json")))!;
        Assert.Equal("health", (string?)health["bindings"]![0]!["route"]);
    }
}
