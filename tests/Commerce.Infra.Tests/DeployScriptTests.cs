using System.Runtime.Versioning;
using System.Security.Cryptography;
using Commerce.Infra.Tests.Bicep;
using Commerce.Testing;

namespace Commerce.Infra.Tests;

/// <summary>
/// scripts/deploy, run against a recording stand-in for the Azure CLI (the real one cannot reach Azure here):
/// it answers like az does and logs every call, so the tests see what the script would do to a subscription.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DeployScriptTests : IDisposable
{
    private const string DeployerId = "6f1c2a3b-0000-4000-8000-0000000de910";

    private static readonly string[] Changes =
        ["deployment group create", "group create", "provider register", "storage blob upload", "keyvault secret set", "functionapp restart", "rest "];

    private readonly TempDirectory _repository = new("deploy");
    private readonly byte[] _package = RandomNumberGenerator.GetBytes(4096);

    public DeployScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "scripts"));
        Directory.CreateDirectory(Path.Combine(Root, "publish"));
        Directory.CreateDirectory(State);
        Directory.CreateDirectory(Bin);
        File.Copy(Path.Combine(RepositoryPaths.Root, "scripts", "deploy"), Path.Combine(Root, "scripts", "deploy"));
        foreach (var file in Directory.EnumerateFiles(InfraFixture.Source, "*.bicep*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(Root, "infra", Path.GetRelativePath(InfraFixture.Source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        File.WriteAllBytes(Path.Combine(Root, "publish", "commerce-functions.zip"), _package);
        WriteExecutable(Path.Combine(Bin, "az"), AzureCli);
        WriteExecutable(Path.Combine(Bin, "curl"), """
            #!/usr/bin/env bash
            echo "curl $*" >> "$AZ_LOG"
            echo '{"status":"Healthy"}'
            """);
    }

    private string Root => Path.Combine(_repository.Path, "repo");
    private string State => Path.Combine(_repository.Path, "state");
    private string Bin => Path.Combine(_repository.Path, "bin");
    private string Log => Path.Combine(State, "az.log");

    private string PackageName => $"commerce-functions-{Convert.ToHexStringLower(SHA256.HashData(_package))[..16]}.zip";

    private IReadOnlyList<string> Calls => File.Exists(Log) ? File.ReadAllLines(Log) : [];

    private int IndexOf(string call) => Calls.ToList().FindIndex(c => c.StartsWith(call, StringComparison.Ordinal));

    [Fact]
    public async Task The_script_parses_and_explains_itself()
    {
        var syntax = await Processes.RunAsync("bash", ["-n", Path.Combine(RepositoryPaths.Root, "scripts", "deploy")], Root);
        var help = await RunAsync("--help");
        var wrong = await RunAsync("dev", "--force");

        Assert.Equal(0, syntax.ExitCode);
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("Usage: scripts/deploy <environment>", help.Output);
        Assert.Contains("--what-if", help.Output);
        Assert.Equal(64, wrong.ExitCode);
        Assert.Empty(Calls);
    }

    [Fact]
    public async Task Without_the_Azure_CLI_it_stops_with_one_line_saying_so()
    {
        var bare = Path.Combine(_repository.Path, "bare");
        Directory.CreateDirectory(bare);
        foreach (var tool in new[] { "bash", "dirname" })
            File.CreateSymbolicLink(Path.Combine(bare, tool), Which(tool));

        var result = await RunOnPathAsync(bare, "dev");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("deploy: the Azure CLI (az) is not installed: https://learn.microsoft.com/cli/azure/install-azure-cli", result.Error.Trim());
    }

    [Fact]
    public async Task What_if_previews_the_deployment_and_changes_nothing()
    {
        File.WriteAllText(Path.Combine(State, "group-exists"), "true");

        var result = await RunAsync("dev", "--what-if");

        Assert.Equal(0, result.ExitCode);
        var whatIf = Assert.Single(Calls, c => c.StartsWith("deployment group what-if", StringComparison.Ordinal));
        Assert.Contains($"--resource-group rg-commerce-dev --name commerce-dev --parameters {Root}/infra/main.dev.bicepparam", whatIf);
        Assert.Contains($"env COMMERCE_PACKAGE_NAME={PackageName}", Calls);
        Assert.Contains($"env COMMERCE_DEPLOYER_PRINCIPAL_ID={DeployerId}", Calls);
        Assert.Contains("42 to create", result.Output);
        Assert.DoesNotContain(Calls, call => Changes.Any(change => call.StartsWith(change, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task What_if_on_a_missing_resource_group_says_everything_would_be_created()
    {
        var result = await RunAsync("prod", "--what-if");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Resource group rg-commerce-prod does not exist", result.Output);
        Assert.DoesNotContain(Calls, call => call.StartsWith("deployment group", StringComparison.Ordinal) || Changes.Any(change => call.StartsWith(change, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_first_deployment_creates_the_group_deploys_sets_each_secret_once_then_runs_the_uploaded_package()
    {
        var result = await RunAsync("dev", "--location", "westeurope");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(IndexOf("group create --name rg-commerce-dev --location westeurope") >= 0, string.Join('\n', Calls));
        Assert.True(IndexOf("group create") < IndexOf("deployment group create"));
        Assert.True(IndexOf("deployment group create") < IndexOf("keyvault secret set"));
        Assert.True(IndexOf("keyvault secret set") < IndexOf("storage blob upload"));
        Assert.True(IndexOf("storage blob upload") < IndexOf("functionapp restart"));
        Assert.True(IndexOf("functionapp restart") < IndexOf("rest --method post"));
        Assert.Contains($"--name {PackageName} --file {Root}/publish/commerce-functions.zip", Calls[IndexOf("storage blob upload")]);
        Assert.EndsWith("/syncfunctiontriggers?api-version=2024-11-01 --output none", Calls[IndexOf("rest --method post")]);

        var secrets = new[] { "auth-signing-key", "payments-webhooks-sandbox-a", "payments-webhooks-sandbox-b" }
            .ToDictionary(name => name, name => File.ReadAllText(Path.Combine(State, $"secret-{name}")));
        Assert.Equal(3, Calls.Count(c => c.StartsWith("keyvault secret set", StringComparison.Ordinal)));
        Assert.All(secrets.Values, value => Assert.Equal(32, Convert.FromBase64String(value).Length));
        Assert.Equal(3, secrets.Values.Distinct().Count());
        Assert.DoesNotContain(Calls, call => secrets.Values.Any(value => call.Contains(value, StringComparison.Ordinal)) || call.Contains("--value", StringComparison.Ordinal));
        Assert.Contains("Deployed dev: https://func-commerce-dev.azurewebsites.net", result.Output);
    }

    [Fact]
    public async Task A_redeployment_uploads_the_new_package_before_pointing_the_app_at_it_and_keeps_existing_secrets()
    {
        File.WriteAllText(Path.Combine(State, "group-exists"), "true");
        File.WriteAllText(Path.Combine(State, "deployed"), "");
        foreach (var name in new[] { "auth-signing-key", "payments-webhooks-sandbox-a", "payments-webhooks-sandbox-b" })
            File.WriteAllText(Path.Combine(State, $"secret-{name}"), "kept");

        var result = await RunAsync("dev");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(IndexOf("storage blob upload") >= 0 && IndexOf("storage blob upload") < IndexOf("deployment group create"), string.Join('\n', Calls));
        Assert.Single(Calls, c => c.StartsWith("storage blob upload", StringComparison.Ordinal));
        Assert.DoesNotContain(Calls, c => c.StartsWith("keyvault secret set", StringComparison.Ordinal) || c.StartsWith("group create", StringComparison.Ordinal));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(State, "secret-auth-signing-key")));
    }

    [Fact]
    public async Task A_missing_resource_group_without_a_location_stops_before_any_change()
    {
        var result = await RunAsync("dev");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("give --location <region>", result.Error);
        Assert.DoesNotContain(Calls, call => call.StartsWith("group create", StringComparison.Ordinal) || call.StartsWith("deployment group create", StringComparison.Ordinal));
    }

    private Task<CommandResult> RunAsync(params string[] arguments) => RunOnPathAsync($"{Bin}:/usr/bin:/bin", arguments);

    private Task<CommandResult> RunOnPathAsync(string path, params string[] arguments) =>
        Processes.RunAsync(Path.Combine(Root, "scripts", "deploy"), arguments, Root, new Dictionary<string, string?>
        {
            ["PATH"] = path,
            ["AZ_LOG"] = Log,
            ["AZ_STATE"] = State,
        });

    private static string Which(string tool) =>
        new[] { "/usr/bin", "/bin" }.Select(d => Path.Combine(d, tool)).First(File.Exists);

    private static void WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Answers the az calls scripts/deploy makes, from files in $AZ_STATE, and logs each one to $AZ_LOG.</summary>
    private const string AzureCli = """
        #!/usr/bin/env bash
        echo "$*" >> "$AZ_LOG"
        value_of() { local previous=""; for argument in "$@"; do [[ "$previous" == "$flag" ]] && echo "$argument"; previous="$argument"; done; }
        case "$*" in
          "account show --output none") ;;
          "account show --query name --output tsv") echo "Contoso Commerce" ;;
          "account show --query user.type --output tsv") echo "user" ;;
          "ad signed-in-user show --query id --output tsv") echo "6f1c2a3b-0000-4000-8000-0000000de910" ;;
          "group exists --name "*) cat "$AZ_STATE/group-exists" 2> /dev/null || echo false ;;
          "group create "*) echo true > "$AZ_STATE/group-exists" ;;
          "provider show "*) echo Registered ;;
          "deployment group what-if "*)
            env | grep '^COMMERCE_' | sed 's/^/env /' >> "$AZ_LOG"
            echo "Resource changes: 42 to create." ;;
          "deployment group create "*)
            env | grep '^COMMERCE_' | sed 's/^/env /' >> "$AZ_LOG"
            touch "$AZ_STATE/deployed" ;;
          "deployment group show "*"--output none") [[ -f "$AZ_STATE/deployed" ]] || exit 3 ;;
          *"properties.outputs.functionAppName.value"*) echo "func-commerce-dev" ;;
          *"properties.outputs.functionAppUrl.value"*) echo "https://func-commerce-dev.azurewebsites.net" ;;
          *"properties.outputs.keyVaultName.value"*) echo "kvdev" ;;
          *"properties.outputs.storageAccountName.value"*) echo "stdev" ;;
          *"properties.outputs.packageContainerName.value"*) echo "app-package" ;;
          *"properties.outputs.signingKeySecretName.value"*) echo "auth-signing-key" ;;
          *"properties.outputs.webhookSecretNames.value[]"*) printf '%s\n' payments-webhooks-sandbox-a payments-webhooks-sandbox-b ;;
          "keyvault secret show "*)
            flag=--name; name="$(value_of "$@")"
            [[ -f "$AZ_STATE/secret-$name" ]] && echo "https://kvdev.vault.azure.net/secrets/$name" && exit 0
            echo "ERROR: (SecretNotFound) A secret with (name/id) $name was not found in this key vault." >&2; exit 1 ;;
          "keyvault secret set "*)
            flag=--name; name="$(value_of "$@")"; flag=--file; file="$(value_of "$@")"
            cp "$file" "$AZ_STATE/secret-$name" ;;
          "storage blob exists "*)
            flag=--name; name="$(value_of "$@")"
            [[ -f "$AZ_STATE/blob-$name" ]] && echo true || echo false ;;
          "storage blob upload "*)
            flag=--name; name="$(value_of "$@")"
            touch "$AZ_STATE/blob-$name" ;;
          "functionapp restart "*) ;;
          "functionapp show "*) echo "/subscriptions/6f1c2a3b/resourceGroups/rg-commerce-dev/providers/Microsoft.Web/sites/func-commerce-dev" ;;
          "rest --method post "*) ;;
          *) echo "az stand-in: unexpected call: $*" >&2; exit 2 ;;
        esac
        """;

    public void Dispose() => _repository.Dispose();
}
