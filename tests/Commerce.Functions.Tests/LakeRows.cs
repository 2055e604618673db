using System.Globalization;
using Commerce.Analytics.Lake;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests;

/// <summary>Reads the app's lake the way analytics do, after moving whatever has landed into it.</summary>
public static class LakeRows
{
    /// <summary>Each row as invariant text ("" for null).</summary>
    public static async Task<List<string[]>> QueryAsync(IServiceProvider services, string sql, params object?[] parameters)
    {
        await services.GetRequiredService<LakeCompactor>().DrainAsync();
        await using var lake = await services.GetRequiredService<Lake>().OpenAsync();
        using var command = lake.Command(sql, parameters);
        using var reader = command.ExecuteReader();
        var rows = new List<string[]>();
        while (reader.Read())
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!)]);
        return rows;
    }
}
