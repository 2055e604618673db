using Commerce.Infra.Tests.Bicep;
using Commerce.Testing;

namespace Commerce.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class TemplateTests(InfraFixture infra)
{
    [Fact]
    public void Infra_holds_the_main_template_the_modules_it_uses_and_a_parameter_file_per_environment()
    {
        var main = File.ReadAllText(Path.Combine(InfraFixture.Source, "main.bicep"));
        var modules = infra.Files.Where(f => f.StartsWith("modules" + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToList();

        Assert.Contains("main.bicep", infra.Files);
        Assert.Contains("main.dev.bicepparam", infra.Files);
        Assert.Contains("main.prod.bicepparam", infra.Files);
        Assert.True(modules.Count >= 5, string.Join(", ", infra.Files));
        Assert.All(modules, module => Assert.Contains($"'{module.Replace(Path.DirectorySeparatorChar, '/')}'", main));
    }

    [Fact]
    public void Every_template_and_parameter_file_builds_and_lints_without_a_single_diagnostic()
    {
        Assert.All(infra.Runs, run => Assert.True(run.Result.ExitCode == 0 && (run.Result.Output + run.Result.Error).Trim().Length == 0, $"bicep {run.Command}: {run.Result}"));
        Assert.All(infra.Files, file => Assert.True(File.Exists(infra.Compiled(file)), $"{file} was not compiled"));
    }

    [Fact]
    public void Each_environment_deploys_without_a_diagnostic()
    {
        Assert.Empty(infra.Dev.Diagnostics);
        Assert.Empty(infra.Prod.Diagnostics);
        Assert.Empty(infra.Dedicated.Diagnostics);
    }

    [Fact]
    public async Task The_bicep_config_turns_linter_warnings_into_errors()
    {
        const string careless = """
            param unused string
            var alsoUnused = 'x'
            resource account 'Microsoft.Storage/storageAccounts@2024-01-01' = {
              name: 'stcareless'
              location: 'westeurope'
              sku: { name: 'Standard_LRS' }
              kind: 'StorageV2'
            }
            output keys string = account.listKeys().keys[0].value
            """;
        using var configured = new TempDirectory("bicep-config");
        using var unconfigured = new TempDirectory("bicep-default");
        File.Copy(Path.Combine(InfraFixture.Source, "bicepconfig.json"), Path.Combine(configured.Path, "bicepconfig.json"));
        await File.WriteAllTextAsync(Path.Combine(configured.Path, "careless.bicep"), careless);
        await File.WriteAllTextAsync(Path.Combine(unconfigured.Path, "careless.bicep"), careless);

        var strict = await BicepCli.RunAsync(configured.Path, "lint", "careless.bicep");
        var lenient = await BicepCli.RunAsync(unconfigured.Path, "lint", "careless.bicep");

        Assert.NotEqual(0, strict.ExitCode);
        foreach (var rule in new[] { "no-unused-params", "no-unused-vars", "outputs-should-not-contain-secrets", "no-hardcoded-location" })
            Assert.Contains($"Error {rule}:", strict.Error + strict.Output);
        Assert.DoesNotContain("Warning", strict.Error + strict.Output);
        Assert.Equal(0, lenient.ExitCode);
        Assert.Contains("Warning no-unused-params:", lenient.Error + lenient.Output);
    }
}
