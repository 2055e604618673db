using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Settings;

/// <summary>Typed reads of settings that fail with a <see cref="SettingsException"/> naming the setting.</summary>
public static class SettingsReader
{
    private const string KeyVaultReferencePrefix = "@Microsoft.KeyVault(";

    /// <summary>
    /// The setting's text, or null when it is unset or empty. App Service setting names cannot contain '-', so a
    /// key with '-' (a payment channel's name) is also looked up with '_' in its place. A value that is still an
    /// App Service Key Vault reference was not resolved, and is refused rather than used as a secret.
    /// </summary>
    public static string? GetString(this IConfiguration configuration, string key)
    {
        var value = Read(configuration, key) ?? (key.Contains('-', StringComparison.Ordinal) ? Read(configuration, key.Replace('-', '_')) : null);
        if (value is not null && value.StartsWith(KeyVaultReferencePrefix, StringComparison.OrdinalIgnoreCase))
            throw new SettingsException(key, "is a Key Vault reference that was not resolved: check that the secret exists and that the app's identity may read it (Key Vault Secrets User).");
        return value;

        static string? Read(IConfiguration configuration, string key) => configuration[key] is { Length: > 0 } value ? value : null;
    }

    public static int GetInt(this IConfiguration configuration, string key, int defaultValue, int min, int max) =>
        configuration.GetNumber(key, defaultValue, min, max, NumberStyles.Integer, "a whole number");

    public static long GetLong(this IConfiguration configuration, string key, long defaultValue, long min, long max) =>
        configuration.GetNumber(key, defaultValue, min, max, NumberStyles.Integer, "a whole number");

    public static double GetDouble(this IConfiguration configuration, string key, double defaultValue, double min, double max) =>
        configuration.GetNumber(key, defaultValue, min, max, NumberStyles.Float, "a number");

    public static decimal GetDecimal(this IConfiguration configuration, string key, decimal defaultValue, decimal min, decimal max) =>
        configuration.GetNumber(key, defaultValue, min, max, NumberStyles.Number, "a number");

    private static T GetNumber<T>(this IConfiguration configuration, string key, T defaultValue, T min, T max, NumberStyles styles, string kind) where T : INumber<T>
    {
        var raw = configuration.GetString(key);
        if (raw is null)
            return defaultValue;
        if (!T.TryParse(raw, styles, CultureInfo.InvariantCulture, out var value) || !T.IsFinite(value))
            throw new SettingsException(key, $"'{raw}' is not {kind}.");
        if (value < min || value > max)
            throw new SettingsException(key, $"{value} is outside the allowed range {min}-{max}.");
        return value;
    }

    /// <summary>Reads a TimeSpan written as "hh:mm:ss" (as host.json does) or as whole seconds.</summary>
    public static TimeSpan GetTimeSpan(this IConfiguration configuration, string key, TimeSpan defaultValue, TimeSpan min, TimeSpan max)
    {
        var raw = configuration.GetString(key);
        if (raw is null)
            return defaultValue;
        TimeSpan value;
        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            value = TimeSpan.FromSeconds(seconds);
        else if (!TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out value))
            throw new SettingsException(key, $"'{raw}' is not a duration; write hh:mm:ss or whole seconds.");
        if (value < min || value > max)
            throw new SettingsException(key, $"{value} is outside the allowed range {min}-{max}.");
        return value;
    }

    /// <summary>A timer schedule (NCRONTAB, as the Functions host reads it), checked now rather than when the timer is added.</summary>
    public static string GetSchedule(this IConfiguration configuration, string key, string defaultExpression)
    {
        var expression = configuration.GetString(key) ?? defaultExpression;
        try
        {
            return Timers.TimerSchedule.Parse(expression).Expression;
        }
        catch (FormatException e)
        {
            throw new SettingsException(key, e.Message);
        }
    }

    public static bool GetBool(this IConfiguration configuration, string key, bool defaultValue)
    {
        var raw = configuration.GetString(key);
        if (raw is null)
            return defaultValue;
        return bool.TryParse(raw, out var value) ? value : throw new SettingsException(key, $"'{raw}' is not true or false.");
    }

    public static T GetEnum<T>(this IConfiguration configuration, string key, T defaultValue) where T : struct, Enum
    {
        var raw = configuration.GetString(key);
        if (raw is null)
            return defaultValue;
        if (Enum.TryParse<T>(raw, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsAsciiDigit(raw[0]))
            return value;
        throw new SettingsException(key, $"'{raw}' is not one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");
    }
}
