namespace Commerce.Testing;

public static class RepositoryPaths
{
    /// <summary>The folder holding Serverless.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Emulators => Path.Combine(Root, "tests", "emulators");

    public static string SharedData => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"Serverless.sln not found above {AppContext.BaseDirectory}.");
    }
}
