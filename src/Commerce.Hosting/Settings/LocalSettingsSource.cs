using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Settings;

/// <summary>
/// Reads the "Values" of an Azure Functions local.settings.json as flat settings ("Storage__Preset" and
/// "Storage:Preset" both become Storage:Preset), and its "Host" object as Host:&lt;name&gt; (Host:CORS,
/// Host:CORSCredentials). A missing file is fine; a malformed one stops start-up.
/// </summary>
public sealed class LocalSettingsSource(string path) : IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(Path);

    private sealed class Provider(string path) : ConfigurationProvider
    {
        public override void Load()
        {
            var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (File.Exists(path))
            {
                try
                {
                    using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                    Add(document.RootElement, "Values", "");
                    Add(document.RootElement, "Host", "Host" + ConfigurationPath.KeyDelimiter);
                }
                catch (JsonException e)
                {
                    throw new SettingsException(path, $"is not valid JSON ({e.Message}).");
                }
            }
            Data = data;

            void Add(JsonElement root, string section, string prefix)
            {
                if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(section, out var values) || values.ValueKind != JsonValueKind.Object)
                    return;
                foreach (var value in values.EnumerateObject())
                    data[prefix + value.Name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText();
            }
        }
    }
}
