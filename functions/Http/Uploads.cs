using Commerce.Catalog.Import;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Http;

/// <summary>
/// CSV imports, over HTTP and from the command line. Uploads go to a temporary file first: importers need a
/// seekable stream, and memory stays flat. A file without the expected columns is a 400 (or exit code 65).
/// </summary>
public static class Uploads
{
    public static async Task<Results<Ok<T>, ValidationProblem>> ImportAsync<T>(HttpRequest request, Func<Stream, CancellationToken, Task<T>> import, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}");
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
            await request.Body.CopyToAsync(file, cancellationToken);
            if (file.Length == 0)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["csv"] = ["The body is empty: send the CSV file (plain or gzip) as the request body."] });
            file.Position = 0;
            return TypedResults.Ok(await import(file, cancellationToken));
        }
        catch (ImportFormatException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["csv"] = [e.Message] });
        }
    }

    /// <summary>Runs <paramref name="import"/> on the file at <paramref name="path"/> and prints its report as JSON.</summary>
    public static async Task<int> ImportCommandAsync<T>(string command, string? path, Func<Stream, CancellationToken, Task<T>> import, TextWriter output)
    {
        if (path is null || !File.Exists(path))
        {
            await Console.Error.WriteLineAsync(path is null ? $"{command} needs the path of a CSV file (plain or gzip)." : $"{command}: {path} does not exist.");
            return 64;
        }
        try
        {
            await using var file = File.OpenRead(path);
            var report = await import(file, CancellationToken.None);
            await output.WriteLineAsync(System.Text.Json.JsonSerializer.Serialize(report, DocumentJson.Options));
            return 0;
        }
        catch (ImportFormatException e)
        {
            await Console.Error.WriteLineAsync($"{command}: {e.Message}");
            return 65;
        }
    }
}
