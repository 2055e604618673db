using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Commerce.Intelligence;

/// <summary>
/// A random-looking number in [0, 1) that is always the same for the same draw and key: who is kept aside to
/// calibrate a model, who is held out of a campaign. It survives restarts and needs nothing stored.
/// </summary>
public static class StableDraw
{
    public static double Fraction(string draw, string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{draw}\n{key}"), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / (double)(1UL << 53);
    }
}
