using System.Text.Json;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Notifications;

/// <summary>A message as a provider gets it: <see cref="Id"/> is its idempotency key, the same on every retry.</summary>
public sealed record OutgoingMessage(string Id, NotificationChannel Channel, string To, string? Subject, string Body);

/// <summary>
/// An email or SMS provider. Implementations must send a message once whatever the number of calls with its
/// <see cref="OutgoingMessage.Id"/> (providers take it as an idempotency key), because a delivery that crashed
/// after sending is tried again.
/// </summary>
public interface IMessageSender
{
    NotificationChannel Channel { get; }

    Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// The development provider: each message becomes one file, <c>&lt;folder&gt;/&lt;channel&gt;/&lt;id&gt;.json</c>, created
/// only if it does not exist, so a repeated send leaves the first file as it was.
/// </summary>
public sealed class FolderMessageSender(NotificationChannel channel, string folder) : IMessageSender
{
    public NotificationChannel Channel => channel;

    public string Folder { get; } = Path.Combine(folder, JsonNamingPolicy.SnakeCaseLower.ConvertName(channel.ToString()));

    public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, message.Id + ".json");
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, DocumentJson.Serialize(message), cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }
}
