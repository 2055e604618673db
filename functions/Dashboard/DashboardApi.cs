using System.Reflection;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Dashboard;

/// <summary>
/// The shop owner's dashboard: a static page (HTML, script, styles and the Chart.js build pinned by Dashboard/package-lock.json)
/// that draws the admin analytics APIs with the bearer token it is given. The page itself holds no data, so anyone may load it.
/// </summary>
public static class DashboardApi
{
    public const string IndexFile = "index.html";

    private const string ResourcePrefix = "dashboard/";

    // Scripts and styles from this app only: a token pasted into the page cannot be read by anything injected from elsewhere.
    private const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly IReadOnlyDictionary<string, (byte[] Content, string ContentType)> Files = Load();

    public static FunctionCatalog MapDashboardApi(this FunctionCatalog functions)
    {
        functions.AddHttp("Dashboard", "dashboard/{file?}", ["GET"], GetFile, configure: e => e
            .WithSummary("The dashboard page (index.html when no file is named) and its script, styles and chart library. It charts the admin analytics APIs with the token it is given."));
        return functions.AddShortcut("dashboard", "dashboard");
    }

    public static Results<FileContentHttpResult, ProblemHttpResult> GetFile(string? file, HttpResponse response)
    {
        if (!Files.TryGetValue(file ?? IndexFile, out var found))
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown file", detail: $"The dashboard has no file '{file}'.");
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(found.Content, found.ContentType);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardApi).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[name[ResourcePrefix.Length..]] = (copy.ToArray(), ContentTypeOf(name));
        }
        return files;
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        var other => throw new InvalidOperationException($"The dashboard cannot serve '{other}' files."),
    };
}
