namespace Commerce.Hosting.Settings;

/// <summary>A setting that stops start-up; its message is the one line an operator sees.</summary>
public sealed class SettingsException(string setting, string problem) : Exception($"{setting}: {problem}")
{
    public string Setting { get; } = setting;
}
