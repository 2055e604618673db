using System.IO.Compression;
using System.Text;

namespace Commerce.Catalog.Import;

/// <summary>RFC 4180 records from plain or gzip-compressed text (gzip is recognised by its magic bytes).</summary>
public static class CsvReader
{
    /// <summary>The text of a seekable stream, decompressed when it starts with the gzip magic bytes.</summary>
    public static Stream OpenMaybeCompressed(Stream input)
    {
        if (!input.CanSeek)
            throw new ArgumentException("The stream must be seekable; copy it to a file or memory first.", nameof(input));
        Span<byte> magic = stackalloc byte[2];
        var start = input.Position;
        var read = input.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        input.Position = start;
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(input, CompressionMode.Decompress) : input;
    }

    public static async IAsyncEnumerable<IReadOnlyList<string>> ReadAsync(Stream input, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var atFieldStart = true;
        var buffer = new char[1 << 16];
        int count;
        var pendingQuote = false;
        while ((count = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            for (var i = 0; i < count; i++)
            {
                var c = buffer[i];
                if (pendingQuote)
                {
                    pendingQuote = false;
                    if (c == '"')
                    {
                        field.Append('"');
                        continue;
                    }
                    quoted = false;
                }
                if (quoted)
                {
                    if (c == '"')
                        pendingQuote = true;
                    else
                        field.Append(c);
                    continue;
                }
                switch (c)
                {
                    case '"' when atFieldStart:
                        quoted = true;
                        atFieldStart = false;
                        break;
                    case ',':
                        fields.Add(field.ToString());
                        field.Clear();
                        atFieldStart = true;
                        break;
                    case '\r':
                        break;
                    case '\n':
                        fields.Add(field.ToString());
                        field.Clear();
                        atFieldStart = true;
                        yield return fields;
                        fields = [];
                        break;
                    default:
                        field.Append(c);
                        atFieldStart = false;
                        break;
                }
            }
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            yield return fields;
        }
    }
}
