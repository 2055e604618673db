using Commerce.Hosting.Settings;
using Commerce.Testing;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Tests.Settings;

public sealed class RequiredSettingsTests
{
    private const string SigningKey = "dGVzdC1zaWduaW5nLWtleS1vZi0yNTYtYml0cy0hIS0tLQ==";

    /// <summary>What a deployment to Azure sets: identity-based connections (stores, Service Bus) and a signing key.</summary>
    private static Dictionary<string, string> AzureDeployment() => new()
    {
        ["Storage:Preset"] = "azure",
        ["AzureWebJobsStorage:accountName"] = "stcommerce",
        ["AzureWebJobsStorage:credential"] = "managedidentity",
        ["CosmosDb:accountEndpoint"] = "https://cosmos-commerce.documents.azure.com:443/",
        ["Auth:SigningKey"] = SigningKey,
        ["ServiceBus:fullyQualifiedNamespace"] = "sb-commerce.servicebus.windows.net",
        ["ServiceBus:clientId"] = "00000000-0000-0000-0000-0000000000aa",
    };

    private static FunctionAppBuilder Builder(IReadOnlyDictionary<string, string> settings, string dataDirectory) =>
        FunctionAppBuilder.Create([.. settings.Select(s => $"--{s.Key}={s.Value}"), $"--Storage:DataDirectory={dataDirectory}"]);

    [Theory]
    [InlineData("AzureWebJobsStorage:accountName")]
    [InlineData("CosmosDb:accountEndpoint")]
    [InlineData("Auth:SigningKey")]
    [InlineData("ServiceBus:fullyQualifiedNamespace")]
    [InlineData("ServiceBus:clientId")]
    public void On_the_azure_preset_a_missing_required_setting_stops_the_build_naming_it(string missing)
    {
        using var data = new TempDirectory();
        var settings = AzureDeployment();
        settings.Remove(missing);

        var error = Assert.Throws<SettingsException>(() => Builder(settings, data.Path).Build());

        Assert.Equal(missing, error.Setting);
        Assert.StartsWith($"{missing}: is required with the azure preset for ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task The_settings_of_an_azure_deployment_satisfy_the_check()
    {
        using var data = new TempDirectory();

        await using var app = Builder(AzureDeployment(), data.Path).Build();

        Assert.NotNull(app.Services);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:accountName", "AzureWebJobsStorage", "UseDevelopmentStorage=true")]
    [InlineData("AzureWebJobsStorage:accountName", "AzureWebJobsStorage:blobServiceUri", "https://stcommerce.blob.core.windows.net")]
    [InlineData("CosmosDb:accountEndpoint", "CosmosDb", "AccountEndpoint=https://localhost:8081/;AccountKey=a2V5;")]
    [InlineData("Auth:SigningKey", "Auth:Authority", "https://login.microsoftonline.com/contoso/v2.0")]
    public async Task A_required_setting_may_be_given_in_another_form_the_app_accepts(string replaced, string alternative, string value)
    {
        using var data = new TempDirectory();
        var settings = AzureDeployment();
        settings.Remove(replaced);
        settings[alternative] = value;

        await using var app = Builder(settings, data.Path).Build();

        Assert.NotNull(app.Services);
    }

    [Theory]
    [InlineData("embedded")]
    [InlineData("azurite")]
    public void The_local_presets_require_nothing(string preset)
    {
        Assert.Empty(RequiredSettings.For(Enum.Parse<Commerce.Hosting.Storage.StoragePreset>(preset, ignoreCase: true)));
    }

    [Fact]
    public void A_setting_whose_name_has_a_hyphen_is_also_read_with_an_underscore_as_App_Service_names_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Payments:Webhooks:sandbox_a:Secrets"] = "from-app-service",
            ["Payments:Webhooks:sandbox-b:Secrets"] = "hyphen",
            ["Payments:Webhooks:sandbox_b:Secrets"] = "underscore",
        }).Build();

        Assert.Equal("from-app-service", configuration.GetString("Payments:Webhooks:sandbox-a:Secrets"));
        Assert.Equal("hyphen", configuration.GetString("Payments:Webhooks:sandbox-b:Secrets"));
        Assert.Null(configuration.GetString("Payments:Webhooks:sandbox-c:Secrets"));
    }

    [Fact]
    public void A_Key_Vault_reference_that_App_Service_could_not_resolve_is_refused_not_used_as_a_secret()
    {
        const string reference = "@Microsoft.KeyVault(SecretUri=https://kvcommerce.vault.azure.net/secrets/payments-webhooks-sandbox-a/)";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Payments:Webhooks:sandbox_a:Secrets"] = reference,
        }).Build();

        var error = Assert.Throws<SettingsException>(() => configuration.GetString("Payments:Webhooks:sandbox-a:Secrets"));

        Assert.Equal("Payments:Webhooks:sandbox-a:Secrets", error.Setting);
        Assert.DoesNotContain(reference, error.Message);
    }

    [Fact]
    public void An_unresolved_signing_key_reference_stops_an_azure_app_at_build_naming_the_setting()
    {
        using var data = new TempDirectory();
        var settings = AzureDeployment();
        settings["Auth:SigningKey"] = "@Microsoft.KeyVault(SecretUri=https://kvcommerce.vault.azure.net/secrets/auth-signing-key/)";

        var error = Assert.Throws<SettingsException>(() => Builder(settings, data.Path).Build());

        Assert.Equal("Auth:SigningKey", error.Setting);
    }
}
