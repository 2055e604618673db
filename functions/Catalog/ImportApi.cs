using Commerce.Catalog.Import;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>Product import from Online Retail style CSV, over HTTP (admin) and as `import-products &lt;csv&gt;`.</summary>
public static class ImportApi
{
    public const long MaxUploadBytes = 128L * 1024 * 1024;

    public static FunctionCatalog MapImportApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ImportProducts", "products/import", ["POST"], Import, configure: e => e
            .RequireAdmin()
            .WithRequestBodyLimit(MaxUploadBytes)
            .Accepts<string>("text/csv")
            .WithSummary("Imports products from invoice lines (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country), plain or gzip; answers the counts created, updated, skipped and the skip reasons."));
        return functions;
    }

    public static async Task<Results<Ok<ImportReport>, ValidationProblem>> Import(HttpRequest request, ProductImporter importer, CancellationToken cancellationToken)
    {
        var upload = Path.Combine(Path.GetTempPath(), $"import-{Guid.NewGuid():N}.csv");
        try
        {
            await using var file = new FileStream(upload, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await request.Body.CopyToAsync(file, cancellationToken);
            file.Position = 0;
            return TypedResults.Ok(await importer.ImportAsync(file, cancellationToken));
        }
        catch (ImportFormatException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["csv"] = [e.Message] });
        }
    }

    /// <summary>`dotnet run --project functions -- import-products &lt;csv&gt;`: prints the report as JSON.</summary>
    public static async Task<int> ImportCommandAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var path = arguments.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
        if (path is null || !File.Exists(path))
        {
            await Console.Error.WriteLineAsync(path is null ? "import-products needs the path of a CSV file." : $"import-products: {path} does not exist.");
            return 64;
        }
        try
        {
            await using var file = File.OpenRead(path);
            var report = await services.GetRequiredService<ProductImporter>().ImportAsync(file);
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(report, Commerce.Storage.Documents.DocumentJson.Options));
            return 0;
        }
        catch (ImportFormatException e)
        {
            await Console.Error.WriteLineAsync($"import-products: {e.Message}");
            return 65;
        }
    }
}
