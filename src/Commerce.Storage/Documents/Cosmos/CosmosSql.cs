using System.Text;
using System.Text.Json;
using Microsoft.Azure.Cosmos;

namespace Commerce.Storage.Documents.Cosmos;

/// <summary>Translates a <see cref="DocumentQuery"/> into parameterised Cosmos DB SQL over one partition.</summary>
internal static class CosmosSql
{
    public static QueryDefinition Translate(string partitionKey, DocumentQuery query)
    {
        var sql = new StringBuilder("SELECT * FROM c WHERE c.pk = @pk");
        var parameters = new List<(string Name, object? Value)> { ("@pk", partitionKey) };
        foreach (var filter in query.Filters)
        {
            var field = Field(filter.Path);
            var value = ToJsonPrimitive(filter);
            sql.Append(" AND ");
            if (value is null)
            {
                sql.Append(filter.Operator switch
                {
                    FilterOperator.Equal => $"(IS_NULL({field}) OR NOT IS_DEFINED({field}))",
                    FilterOperator.NotEqual => $"(IS_DEFINED({field}) AND NOT IS_NULL({field}))",
                    _ => throw new ArgumentException($"The filter on '{filter.Path}' compares with null using {filter.Operator}; only Equal and NotEqual accept null.", nameof(query)),
                });
                continue;
            }

            var parameter = $"@p{parameters.Count}";
            parameters.Add((parameter, value));
            sql.Append(filter.Operator switch
            {
                FilterOperator.Equal => $"{field} = {parameter}",
                FilterOperator.NotEqual => $"{field} != {parameter}",
                FilterOperator.LessThan => $"{field} < {parameter}",
                FilterOperator.LessThanOrEqual => $"{field} <= {parameter}",
                FilterOperator.GreaterThan => $"{field} > {parameter}",
                FilterOperator.GreaterThanOrEqual => $"{field} >= {parameter}",
                FilterOperator.StartsWith when value is string => $"STARTSWITH({field}, {parameter})",
                FilterOperator.StartsWith => throw new ArgumentException($"The StartsWith filter on '{filter.Path}' needs a string value.", nameof(query)),
                _ => throw new ArgumentOutOfRangeException(nameof(query), filter.Operator, $"Unknown filter operator on '{filter.Path}'."),
            });
        }
        if (query.OrderBy is { } orderBy)
            sql.Append(" ORDER BY ").Append(Field(orderBy)).Append(query.Descending ? " DESC" : " ASC");

        var definition = new QueryDefinition(sql.ToString());
        foreach (var (name, value) in parameters)
            definition.WithParameter(name, value);
        return definition;
    }

    /// <summary>
    /// <c>c.data["customer"]["id"]</c>: bracket notation, so that body fields named like SQL keywords
    /// ("value", "order", "top") still work; the path is already validated as dotted identifiers.
    /// </summary>
    private static string Field(string path)
    {
        var field = new StringBuilder("c.data");
        foreach (var segment in path.Split('.'))
            field.Append("[\"").Append(segment).Append("\"]");
        return field.ToString();
    }

    /// <summary>
    /// The filter value as the string, number or boolean it becomes in a stored body: it goes through
    /// <see cref="DocumentJson"/> like the bodies do, so an enum compares as its camelCase name and a date
    /// as the same ISO text.
    /// </summary>
    private static object? ToJsonPrimitive(DocumentFilter filter)
    {
        switch (filter.Value)
        {
            case null:
                return null;
            case double number when !double.IsFinite(number):
                throw new ArgumentException($"The filter on '{filter.Path}' compares with {number}, which JSON cannot hold.", nameof(DocumentQuery.Filters));
            case string or bool or int or long or double or decimal:
                return filter.Value;
        }
        var element = JsonSerializer.SerializeToElement(filter.Value, filter.Value.GetType(), DocumentJson.Options);
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null => null,
            JsonValueKind.Number when element.TryGetInt64(out var integer) => integer,
            JsonValueKind.Number when element.TryGetDecimal(out var number) => number,
            JsonValueKind.Number => element.GetDouble(),
            _ => throw new ArgumentException($"The filter on '{filter.Path}' has a {filter.Value.GetType().Name} value; filters compare with strings, numbers, booleans or null.", nameof(DocumentQuery.Filters)),
        };
    }
}
