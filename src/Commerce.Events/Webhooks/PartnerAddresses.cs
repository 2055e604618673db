using System.Net;
using System.Net.Sockets;

namespace Commerce.Events.Webhooks;

/// <summary>
/// Which addresses a webhook may be delivered to. Outside Development only public ones: a subscription must not
/// make the app call its own loopback, the private network it runs in, or the cloud's metadata endpoint (SSRF).
/// The check runs on the addresses a name resolves to, when a subscription is made and again on every connection,
/// so a name that later resolves elsewhere (DNS rebinding) is refused too.
/// </summary>
public sealed class PartnerAddresses(bool allowPrivate)
{
    public bool AllowPrivate => allowPrivate;

    public bool IsAllowed(IPAddress address) => allowPrivate || IsPublic(address);

    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224
                || (b[0] == 100 && b[1] >= 64 && b[1] < 128)      // carrier-grade NAT
                || (b[0] == 169 && b[1] == 254)                   // link-local, cloud metadata
                || (b[0] == 172 && b[1] >= 16 && b[1] < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0)
                || (b[0] == 198 && (b[1] == 18 || b[1] == 19)));
        }
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || address.IsIPv6UniqueLocal);
    }

    /// <summary>The addresses of <paramref name="url"/>'s host that deliveries may use; refused ones are left out.</summary>
    public async Task<(IReadOnlyList<IPAddress> Allowed, IReadOnlyList<IPAddress> Refused)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return ([.. addresses.Where(IsAllowed)], [.. addresses.Where(a => !IsAllowed(a))]);
    }

    /// <summary>An HTTP handler that connects only to allowed addresses, checked after resolution on every connection.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var (allowed, refused) = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken).ConfigureAwait(false);
            if (allowed.Count == 0)
                throw new HttpRequestException($"{context.DnsEndPoint.Host} resolves to {string.Join(", ", refused)}: private and loopback addresses are refused.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed.ToArray(), context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
