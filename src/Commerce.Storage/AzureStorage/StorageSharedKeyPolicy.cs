using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// Signs every try of a Blob or Queue service request with the account key ("Shared Key", version 2009-09-19
/// and later): stamps a fresh <c>x-ms-date</c> and sets <c>Authorization: SharedKey account:signature</c>.
/// Runs per retry, after every policy that adds <c>x-ms-*</c> headers.
/// </summary>
public sealed class StorageSharedKeyPolicy : HttpPipelineSynchronousPolicy
{
    private readonly string _accountName;
    private readonly byte[] _key;

    /// <exception cref="ArgumentException">the key is not base64; the message never contains it.</exception>
    public StorageSharedKeyPolicy(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        _accountName = accountName;
        try
        {
            _key = Convert.FromBase64String(accountKey);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"The account key for storage account '{accountName}' is not valid base64.", nameof(accountKey));
        }
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        request.Headers.SetValue("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        var signature = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(StringToSign(request, _accountName)));
        request.Headers.SetValue("Authorization", $"SharedKey {_accountName}:{Convert.ToBase64String(signature)}");
    }

    /// <summary>The string the service signs to check a request, from the request as it will be sent.</summary>
    internal static string StringToSign(Request request, string accountName)
    {
        var text = new StringBuilder();
        text.Append(request.Method.Method.ToUpperInvariant()).Append('\n');
        foreach (var name in (ReadOnlySpan<string>)["Content-Encoding", "Content-Language"])
            text.Append(Header(request, name)).Append('\n');
        text.Append(ContentLength(request)).Append('\n');
        foreach (var name in (ReadOnlySpan<string>)["Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match", "If-None-Match", "If-Unmodified-Since", "Range"])
            text.Append(Header(request, name)).Append('\n');

        foreach (var header in request.Headers
            .Where(h => h.Name.StartsWith("x-ms-", StringComparison.OrdinalIgnoreCase))
            .Select(h => (Name: h.Name.ToLowerInvariant(), Value: h.Value.Trim()))
            .OrderBy(h => h.Name, StringComparer.Ordinal))
        {
            text.Append(header.Name).Append(':').Append(header.Value).Append('\n');
        }

        // With path-style URLs (Azurite) the path already starts with the account, so it appears twice.
        var uri = request.Uri.ToUri();
        text.Append('/').Append(accountName).Append(uri.AbsolutePath);
        foreach (var parameter in QueryParameters(uri.Query).OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append('\n').Append(parameter.Key).Append(':').Append(string.Join(',', parameter.Value.Order(StringComparer.Ordinal)));
        return text.ToString();
    }

    private static string Header(Request request, string name) => request.Headers.TryGetValue(name, out var value) ? value : "";

    private static string ContentLength(Request request)
    {
        if (request.Headers.TryGetValue("Content-Length", out var header))
            return header == "0" ? "" : header;
        return request.Content is { } content && content.TryComputeLength(out var length) && length > 0
            ? length.ToString(CultureInfo.InvariantCulture)
            : "";
    }

    private static Dictionary<string, List<string>> QueryParameters(string query)
    {
        var parameters = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=');
            var name = Uri.UnescapeDataString(separator < 0 ? pair : pair[..separator]).ToLowerInvariant();
            var value = separator < 0 ? "" : Uri.UnescapeDataString(pair[(separator + 1)..]);
            if (!parameters.TryGetValue(name, out var values))
                parameters[name] = values = [];
            values.Add(value);
        }
        return parameters;
    }
}
