using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Infra.Tests.Bicep;

[CollectionDefinition(Name)]
public sealed class InfraCollection : ICollectionFixture<InfraFixture>
{
    public const string Name = "infra";
}

/// <summary>
/// Runs the Bicep compiler once over a copy of infra/ (snapshots write files beside their parameter file):
/// build and lint of every template and parameter file, the compiled main template, and a deployment
/// snapshot per environment, which expands modules, loops and conditions for a given subscription and group.
/// </summary>
public sealed class InfraFixture : IAsyncLifetime
{
    public const string SubscriptionId = "6f1c2a3b-0000-4000-8000-00000000c0de";
    public const string TenantId = "6f1c2a3b-0000-4000-8000-00000000face";
    public const string Location = "westeurope";
    public const string DeployerPrincipalId = "6f1c2a3b-0000-4000-8000-0000000de910";

    private readonly TempDirectory _copy = new("infra");

    public static string Source => Path.Combine(RepositoryPaths.Root, "infra");

    public string Copy => _copy.Path;

    /// <summary>Every .bicep and .bicepparam file under infra/, relative to it.</summary>
    public IReadOnlyList<string> Files { get; private set; } = [];

    /// <summary>`bicep lint` over every file, `bicep build` over every template and `bicep build-params` over every parameter file.</summary>
    public IReadOnlyList<(string Command, CommandResult Result)> Runs { get; private set; } = [];

    public JsonObject CompiledMain { get; private set; } = [];
    public string CompiledMainText { get; private set; } = "";

    /// <summary>The dev parameter file as deployed by someone with no deployer id set.</summary>
    public Deployment Dev { get; private set; } = null!;

    /// <summary>The prod parameter file as scripts/deploy deploys it, with the deployer's object id.</summary>
    public Deployment Prod { get; private set; } = null!;

    /// <summary>The dev parameters on a Dedicated plan instead of Elastic Premium.</summary>
    public Deployment Dedicated { get; private set; } = null!;

    /// <summary>What `generate-metadata` writes for the Functions host: host.json and a folder per function.</summary>
    public string Metadata => Path.Combine(Copy, "metadata");

    public async Task InitializeAsync()
    {
        CopyDirectory(Source, Copy);
        Files = Directory.EnumerateFiles(Copy, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".bicepparam", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Copy, f))
            .Order(StringComparer.Ordinal)
            .ToList();

        // One process per command: each start of the compiler costs seconds on a busy machine.
        Runs =
        [
            ("lint", await BicepCli.RunAsync(Copy, "lint", "--pattern", "**/*.bicep*")),
            ("build", await BicepCli.RunAsync(Copy, "build", "--pattern", "**/*.bicep")),
            ("build-params", await BicepCli.RunAsync(Copy, "build-params", "--pattern", "**/*.bicepparam")),
        ];
        CompiledMainText = await File.ReadAllTextAsync(Compiled("main.bicep"));
        CompiledMain = JsonNode.Parse(CompiledMainText)!.AsObject();

        await File.WriteAllTextAsync(Path.Combine(Copy, "main.dedicated.bicepparam"), """
            using 'main.bicep'
            param environmentName = 'ded'
            param planSku = 'P1v3'
            param alwaysReadyInstances = 2
            """);
        Dev = await SnapshotAsync("main.dev.bicepparam", "rg-commerce-dev", deployer: null);
        Prod = await SnapshotAsync("main.prod.bicepparam", "rg-commerce-prod", DeployerPrincipalId);
        Dedicated = await SnapshotAsync("main.dedicated.bicepparam", "rg-commerce-ded", deployer: null);

        await using var generate = AppProcess.Start(["generate-metadata", "--out", Metadata, $"--Storage:DataDirectory={Path.Combine(Copy, "data")}"]);
        if (await generate.WaitForExitAsync(TimeSpan.FromMinutes(2)) != 0)
            throw new InvalidOperationException($"generate-metadata failed: {generate.StandardOutput}{generate.StandardError}");
    }

    /// <summary>Where `bicep build` or `bicep build-params` wrote the JSON of a file of infra/.</summary>
    public string Compiled(string file) => Path.Combine(Copy, Path.ChangeExtension(file, ".json"));

    /// <summary>The parameter values a parameter file gives, as the compiler evaluates them.</summary>
    public JsonObject Parameters(string parameterFile) =>
        JsonNode.Parse(File.ReadAllText(Compiled(parameterFile)))!["parameters"]!.AsObject();

    private async Task<Deployment> SnapshotAsync(string parameterFile, string resourceGroup, string? deployer)
    {
        var result = await Processes.RunAsync(BicepCli.Executable,
            ["snapshot", parameterFile, "--subscription-id", SubscriptionId, "--tenant-id", TenantId, "--resource-group", resourceGroup, "--location", Location],
            Copy,
            new Dictionary<string, string?> { ["COMMERCE_DEPLOYER_PRINCIPAL_ID"] = deployer, ["COMMERCE_PACKAGE_NAME"] = null });
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"bicep snapshot {parameterFile} failed: {result}");
        var snapshot = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Copy, Path.ChangeExtension(parameterFile, ".snapshot.json"))))!.AsObject();
        return new Deployment(snapshot, $"/subscriptions/{SubscriptionId}/resourceGroups/{resourceGroup}");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }

    public Task DisposeAsync()
    {
        _copy.Dispose();
        return Task.CompletedTask;
    }
}
