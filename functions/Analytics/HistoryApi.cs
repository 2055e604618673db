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
            .WithSummary("Imports Online Retail invoice lines (plain or gzip CSV) as customers, completed orders, returns and their events; answers the counts and the skipped lines by reason. Importing again changes nothing.")
            .WithDescription("With `endNow=true` the whole history is moved forward by whole weeks so that it ends in the last week (the report gives the days): an old data set then serves as the shop's recent past for churn training and scoring, campaign audiences and trending."));
        return functions;
    }

    /// <param name="endNow">move the history forward by whole weeks so that it ends in the last week.</param>
    public static Task<Results<Ok<HistoryImportReport>, ValidationProblem>> Import(HttpRequest request, HistoryImporter importer, bool? endNow, CancellationToken cancellationToken) =>
        Uploads.ImportAsync(request, (file, token) => importer.ImportAsync(file, endNow ?? false, token), cancellationToken);

    /// <summary>`dotnet run --project functions -- import-history --file PATH [--end-now]`: prints the report as JSON.</summary>
    public static Task<int> ImportCommandAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        var endNow = options.ContainsKey("end-now");
        return Uploads.ImportCommandAsync("import-history", options.GetValueOrDefault("file"),
            (file, token) => services.GetRequiredService<HistoryImporter>().ImportAsync(file, endNow, token), output);
    }
}
