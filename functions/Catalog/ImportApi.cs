using Commerce.Catalog.Import;
using Commerce.Functions.Http;
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

    public static Task<Results<Ok<ImportReport>, ValidationProblem>> Import(HttpRequest request, ProductImporter importer, CancellationToken cancellationToken) =>
        Uploads.ImportAsync(request, importer.ImportAsync, cancellationToken);

    /// <summary>`dotnet run --project functions -- import-products &lt;csv&gt;`: prints the report as JSON.</summary>
    public static Task<int> ImportCommandAsync(string[] arguments, IServiceProvider services, TextWriter output) =>
        Uploads.ImportCommandAsync("import-products", arguments.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)),
            services.GetRequiredService<ProductImporter>().ImportAsync, output);
}
