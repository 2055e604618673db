using System.Reflection;
using System.Text.Json.Serialization;

namespace Commerce.Functions.Http;

/// <summary>
/// Enum values as the API reads them: by the name the JSON shows (a <see cref="JsonStringEnumMemberNameAttribute"/>
/// such as "in_app", else the member name), or by the member name, in any case; never by number.
/// </summary>
public static class EnumNames
{
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        foreach (var field in typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            if (string.Equals(field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = (T)field.GetValue(null)!;
                return true;
            }
        }
        return Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && text.Length > 0 && !char.IsAsciiDigit(text[0]) && text[0] != '-';
    }

    /// <summary>The name the JSON shows for <paramref name="value"/>.</summary>
    public static string Of<T>(T value) where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? char.ToLowerInvariant(value.ToString()[0]) + value.ToString()[1..];

    /// <summary>"a, b, c": every name a client may send.</summary>
    public static string List<T>() where T : struct, Enum => string.Join(", ", Enum.GetValues<T>().Select(Of));
}
