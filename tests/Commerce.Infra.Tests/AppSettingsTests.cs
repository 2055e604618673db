using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;
using Commerce.Infra.Tests.Bicep;
using Commerce.Testing;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Commerce.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed partial class AppSettingsTests(InfraFixture infra)
{
    public static TheoryData<string> Environments => ["dev", "prod"];

    private Deployment For(string environment) => environment == "dev" ? infra.Dev : infra.Prod;

    /// <summary>"Section:Key" as an App Service setting (environment variable) name.</summary>
    private static string AppServiceName(string key) => key.Replace(":", "__", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_setting_the_app_requires_on_the_azure_preset_is_set_in_its_identity_based_form(string environment)
    {
        var settings = For(environment).AppSettings;

        Assert.NotEmpty(RequiredSettings.Azure);
        Assert.All(RequiredSettings.Azure, required =>
            Assert.True(settings.TryGetValue(AppServiceName(required.Name), out var value) && value.Length > 0, $"{AppServiceName(required.Name)} ({required.Purpose}) is not set"));
        var configuration = Configuration(settings.Where(s => !s.Value.StartsWith('[')));
        Assert.Equal(StoragePreset.Azure, configuration.GetEnum(StorageSetup.PresetSetting, StoragePreset.Embedded));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_app_reads_its_stores_keys_and_secrets_from_the_settings_the_template_gives(string environment)
    {
        var deployment = For(environment);
        var secrets = new Dictionary<string, string>();
        var configuration = Configuration(deployment.AppSettings.Select(s => KeyValuePair.Create(s.Key, Resolve(deployment, s.Value, secrets))));
        using var data = new TempDirectory();

        RequiredSettings.Check(configuration, StoragePreset.Azure);
        var services = new ServiceCollection();
        services.AddAzureClientsCore();
        var components = services.BuildServiceProvider().GetRequiredService<AzureComponentFactory>();
        using var stores = StorageSetup.Create(StoragePreset.Azure, data.Path, configuration, TimeProvider.System, components);
        var auth = AuthSettings.Read(configuration, new HostingEnvironment { EnvironmentName = Microsoft.Extensions.Hosting.Environments.Production }, data.Path);
        var channels = configuration.GetString("Payments:Channels")!.Split(',');

        Assert.Equal(("cosmos", "azure-blob"), (stores.Documents.Adapter, stores.Blobs.Adapter));
        Assert.Equal(Convert.FromBase64String(secrets["auth-signing-key"]), auth.SigningKey!.Key);
        Assert.NotEmpty(channels);
        Assert.All(channels, channel => Assert.Equal(secrets[$"payments-webhooks-{channel}"], configuration.GetString($"Payments:Webhooks:{channel}:Secrets")));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_Functions_host_runs_what_generate_metadata_writes_as_a_custom_handler_on_runtime_4(string environment)
    {
        var deployment = For(environment);
        var settings = deployment.AppSettings;
        var host = JsonNode.Parse(File.ReadAllText(Path.Combine(infra.Metadata, "host.json")))!;

        Assert.Equal("custom", settings["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.NotNull(host["customHandler"]?["description"]?["defaultExecutablePath"]);
        Assert.Equal("~4", settings["FUNCTIONS_EXTENSION_VERSION"]);
        Assert.StartsWith("[4.", (string)host["extensionBundle"]!["version"]!);
        Assert.Equal(["functionapp", "linux"], ((string)deployment.Site["kind"]!).Split(',').Order());
        Assert.True((bool)deployment.Single("Microsoft.Web/serverfarms")["properties"]!["reserved"]!, "a Linux plan is 'reserved'");
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_connection_a_generated_trigger_uses_is_an_identity_based_connection_the_template_sets(string environment)
    {
        var deployment = For(environment);
        var settings = deployment.AppSettings;
        var functions = Directory.EnumerateFiles(infra.Metadata, "function.json", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetFileName(Path.GetDirectoryName(f)!), f => JsonNode.Parse(File.ReadAllText(f))!["bindings"]!.AsArray());
        var connections = functions.Values.SelectMany(b => b).Select(b => (string?)b!["connection"]).OfType<string>().Distinct().ToList();
        var named = settings.Keys.Select(k => DisabledFunction().Match(k)).Where(m => m.Success).Select(m => m.Groups["name"].Value)
            .Concat(deployment.OfType("Microsoft.Web/sites/functions").Select(f => ((string)f["name"]!).Split('/')[^1]));

        Assert.Contains(functions.Values.SelectMany(b => b), b => (string?)b!["type"] == "queueTrigger");
        Assert.NotEmpty(connections);
        Assert.All(connections, connection =>
        {
            Assert.True(settings.ContainsKey($"{connection}__accountName") || settings.ContainsKey($"{connection}__queueServiceUri"), $"{connection} has no account");
            Assert.Equal("managedidentity", settings[$"{connection}__credential"]);
            Assert.Equal(deployment.IdentityProperty("clientId"), settings[$"{connection}__clientId"]);
            Assert.False(settings.ContainsKey(connection), $"{connection} is a connection string");
        });
        Assert.All(named, name => Assert.Contains(name, functions.Keys));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Every_setting_name_is_one_App_Service_accepts(string environment)
    {
        Assert.All(For(environment).AppSettings.Keys, name => Assert.Matches("^[A-Za-z0-9._]+$", name));
    }

    [Fact]
    public void No_secret_is_in_the_template_its_app_settings_or_its_outputs()
    {
        var outputs = infra.CompiledMain["outputs"]!.AsObject();

        Assert.DoesNotMatch(@"\blist[A-Za-z]*\(", infra.CompiledMainText);
        Assert.All(outputs, output =>
        {
            Assert.DoesNotContain("secure", (string)output.Value!["type"]!, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch("(?i)password|connectionstring|accountkey|sas", output.Key);
        });
        foreach (var deployment in new[] { infra.Dev, infra.Prod, infra.Dedicated })
        {
            var settings = deployment.AppSettings;
            Assert.All(settings.Values.Concat(deployment.Outputs.Select(o => o.Value!.ToJsonString())), value =>
                Assert.DoesNotMatch("(?i)AccountKey=|SharedAccessKey=|SharedAccessSignature=|Password=|InstrumentationKey=|sig=", value));
            Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", settings.Keys);
            Assert.All(settings.Where(s => SecretName().IsMatch(s.Key)), secret =>
                Assert.True(KeyVaultReference().IsMatch(secret.Value), $"{secret.Key} is not a Key Vault reference: {secret.Value}"));
        }
    }

    private static IConfiguration Configuration(IEnumerable<KeyValuePair<string, string>> appSettings) =>
        new ConfigurationBuilder().AddEnvironmentVariablesFrom(appSettings).Build();

    /// <summary>Stands in for App Service: resolves Key Vault references to fresh secrets and the identity's client id to a GUID.</summary>
    private static string Resolve(Deployment deployment, string value, Dictionary<string, string> secrets)
    {
        if (KeyVaultReference().Match(value) is { Success: true } reference)
        {
            var secret = reference.Groups["secret"].Value;
            return secrets.TryGetValue(secret, out var known) ? known : secrets[secret] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        }
        if (value == deployment.IdentityProperty("clientId"))
            return "5b1b2c4e-0000-4000-8000-00000000c11d";
        if (value.EndsWith(".documentEndpoint]", StringComparison.Ordinal))
            return $"https://{Deployment.ReferencedIds(value).Single().Split('/')[^1]}.documents.azure.com:443/";
        return value;
    }

    [GeneratedRegex(@"^AzureWebJobs\.(?<name>[^.]+)\.Disabled$")]
    private static partial Regex DisabledFunction();

    [GeneratedRegex("(?i)secret|signingkey|password")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"^\[format\('@Microsoft\.KeyVault\(SecretUri=https://\{0\}\{1\}/secrets/\{2\}/\)', '(?<vault>[a-z0-9-]+)', environment\(\)\.suffixes\.keyvaultDns, '(?<secret>[a-z0-9-]+)'\)\]$")]
    internal static partial Regex KeyVaultReference();
}

internal static class EnvironmentVariables
{
    /// <summary>App settings reach the app as environment variables, where "__" separates sections.</summary>
    public static IConfigurationBuilder AddEnvironmentVariablesFrom(this IConfigurationBuilder builder, IEnumerable<KeyValuePair<string, string>> variables) =>
        builder.AddInMemoryCollection(variables.Select(v => KeyValuePair.Create(v.Key.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), (string?)v.Value)));
}
