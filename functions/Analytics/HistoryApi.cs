using Commerce.Analytics.History;
using Commerce.Functions.Http;
using Commerce.Hosting;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Analytics;

/// <summary>A year of real history (Online Retail CSV) into the store: an admin upload and `import-history --file PATH`.</summary>
public static class HistoryApi
{
    public const long MaxUploadBytes = 256L * 1024 * 1024;

    public static FunctionCatalog MapHistoryApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ImportHistory", "analytics/history", ["POST"], Import, configure: e => e
            .RequireAdmin()
            .WithRequestBodyLimit(MaxUploadBytes)
            .Accepts<string>("text/csv")
            .WithSummary("Imports Online Retail invoice lines (plain or gzip CSV) as customers, completed orders, returns and their events; answers the counts and the skipped lines by reason. Importing again changes nothing."));
        return functions;
    }

    public static Task<Results<Ok<HistoryImportReport>, ValidationProblem>> Import(HttpRequest request, HistoryImporter importer, CancellationToken cancellationToken) =>
        Uploads.ImportAsync(request, importer.ImportAsync, cancellationToken);

    /// <summary>`dotnet run --project functions -- import-history --file PATH`: prints the report as JSON.</summary>
    public static Task<int> ImportCommandAsync(string[] arguments, IServiceProvider services, TextWriter output) =>
        Uploads.ImportCommandAsync("import-history", CommandArguments.Parse(arguments).GetValueOrDefault("file"), services.GetRequiredService<HistoryImporter>().ImportAsync, output);
}
