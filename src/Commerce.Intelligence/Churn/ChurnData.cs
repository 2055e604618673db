using Microsoft.ML;
using Microsoft.ML.Data;

namespace Commerce.Intelligence.Churn;

/// <summary>One row as ML.NET reads it.</summary>
internal sealed class ChurnRow
{
    public bool Label { get; set; }
    public float[] Features { get; set; } = [];
}

/// <summary>Customers as ML.NET data views: the feature vector and the label.</summary>
internal static class ChurnData
{
    public const string Features = nameof(ChurnRow.Features);
    public const string Label = nameof(ChurnRow.Label);
    public const string Score = "Score";
    public const string Probability = "Probability";

    public static IDataView View(MLContext ml, IReadOnlyList<ChurnColumn> columns, IEnumerable<(ChurnInput Input, bool Churned)> rows) =>
        View(ml, columns.Count, rows.Select(r => (ChurnColumns.Vector(columns, r.Input), r.Churned)));

    public static IDataView View(MLContext ml, int width, IEnumerable<(float[] Vector, bool Churned)> rows)
    {
        var schema = SchemaDefinition.Create(typeof(ChurnRow));
        schema[Features].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new ChurnRow { Label = r.Churned, Features = r.Vector }).ToList(), schema);
    }
}
