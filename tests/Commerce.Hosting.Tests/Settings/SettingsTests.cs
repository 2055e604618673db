using Commerce.Hosting.Queues;
using Commerce.Hosting.Settings;
using Commerce.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.Settings;

public sealed class SettingsTests
{
    [Fact]
    public async Task Local_settings_rank_below_environment_variables_which_rank_below_the_command_line()
    {
        using var data = new TempDirectory();
        var localSettings = Path.Combine(data.Path, "local.settings.json");
        await File.WriteAllTextAsync(localSettings, """
            {
              "IsEncrypted": false,
              "Values": {
                "Probe__FromFileOnly": "file",
                "Probe__FileAndEnvironment": "file",
                "Probe:FileEnvironmentAndCommandLine": "file"
              }
            }
            """);
        Environment.SetEnvironmentVariable("Probe__FileAndEnvironment", "environment");
        Environment.SetEnvironmentVariable("Probe__FileEnvironmentAndCommandLine", "environment");
        try
        {
            var builder = FunctionAppBuilder.Create(["--LocalSettingsPath=" + localSettings, "--Probe:FileEnvironmentAndCommandLine=command-line"]);

            Assert.Equal("file", builder.Configuration["Probe:FromFileOnly"]);
            Assert.Equal("environment", builder.Configuration["Probe:FileAndEnvironment"]);
            Assert.Equal("command-line", builder.Configuration["Probe:FileEnvironmentAndCommandLine"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("Probe__FileAndEnvironment", null);
            Environment.SetEnvironmentVariable("Probe__FileEnvironmentAndCommandLine", null);
        }
    }

    [Fact]
    public async Task Settings_reach_the_running_app()
    {
        await using var app = await FunctionAppHarness.StartAsync(_ => { }, new Dictionary<string, string> { ["Queues:BatchSize"] = "3" });

        Assert.Equal(3, app.Services.GetRequiredService<QueueTriggerOptions>().BatchSize);
    }

    [Theory]
    [InlineData("Storage:Preset", "cloud", "Storage:Preset: 'cloud' is not one of embedded, azurite, azure.")]
    [InlineData("Queues:BatchSize", "64", "Queues:BatchSize: 64 is outside the allowed range 1-32.")]
    [InlineData("Queues:MaxDequeueCount", "five", "Queues:MaxDequeueCount: 'five' is not a whole number.")]
    [InlineData("Queues:VisibilityTimeout", "soon", "Queues:VisibilityTimeout: 'soon' is not a duration; write hh:mm:ss or whole seconds.")]
    [InlineData("FUNCTIONS_CUSTOMHANDLER_PORT", "http", "FUNCTIONS_CUSTOMHANDLER_PORT: 'http' is not a whole number.")]
    [InlineData("WEBSITE_TIME_ZONE", "Mars/Olympus", "WEBSITE_TIME_ZONE: 'Mars/Olympus' is not a time zone known to this machine; use an IANA id such as Europe/London.")]
    public void A_bad_setting_stops_the_build_with_a_message_naming_it(string key, string value, string message)
    {
        using var data = new TempDirectory();
        var builder = FunctionAppBuilder.Create([$"--{key}={value}", $"--Storage:DataDirectory={data.Path}"]);

        var error = Assert.Throws<SettingsException>(() => builder.Build());
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_malformed_local_settings_file_is_named()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "local.settings.json");
        File.WriteAllText(path, "{ \"Values\": { ");

        var error = Assert.Throws<SettingsException>(() => FunctionAppBuilder.Create(["--LocalSettingsPath=" + path]));
        Assert.StartsWith(path + ": is not valid JSON", error.Message);
    }

    [Fact]
    public void The_preset_switch_is_a_shorthand_for_the_storage_preset_setting()
    {
        var builder = FunctionAppBuilder.Create(["--preset", "azurite"]);

        Assert.Equal("azurite", builder.Configuration["Storage:Preset"]);
    }
}
