using System.Buffers;
using System.Text.Json;
using Commerce.Events.Behaviour;

namespace Commerce.Functions.Events;

/// <summary>What a request body holds: the events that can be stored, how many there were, and a problem per bad field.</summary>
public sealed record ReadBatch(IReadOnlyList<BehaviourEvent> Events, int Total, Dictionary<string, string[]> Errors);

/// <summary>
/// Reads an events request in one forward pass over its bytes (no document tree: this runs a thousand times a
/// second), naming every problem by the event's index ("events[3].sku"); fields it does not know are skipped.
/// </summary>
public static class EventBatchReader
{
    private const int MaxDeviceIdLength = ClientEventRules.MaxIdLength * 2;

    /// <exception cref="JsonException">the body is not JSON.</exception>
    public static ReadBatch Read(ReadOnlySpan<byte> body, string? customerId)
    {
        var errors = new Dictionary<string, string[]>();
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            errors["body"] = ["must be a JSON object"];
            return new ReadBatch([], 0, errors);
        }
        string? batchDevice = null;
        var read = new List<(BehaviourEvent Event, bool OwnDevice, string Prefix)>();
        var total = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("deviceId"u8))
            {
                reader.Read();
                batchDevice = Text(ref reader, "deviceId", MaxDeviceIdLength, errors);
            }
            else if (reader.ValueTextEquals("events"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                total = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var prefix = $"events[{total++}]";
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        errors[prefix] = ["must be an object"];
                        reader.Skip();
                        continue;
                    }
                    if (ReadEvent(ref reader, prefix, customerId, errors) is { } e)
                        read.Add(e);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (total < 0)
            return new ReadBatch([], 0, new Dictionary<string, string[]> { ["events"] = ["is required: an array of events"] });
        if (total is 0 or > ClientEventRules.MaxBatch)
            return new ReadBatch([], total, new Dictionary<string, string[]> { ["events"] = [$"must hold 1 to {ClientEventRules.MaxBatch} events"] });

        var events = new List<BehaviourEvent>(read.Count);
        foreach (var (candidate, ownDevice, prefix) in read)
        {
            var e = ownDevice ? candidate : candidate with { DeviceId = batchDevice };
            var problems = ClientEventRules.Problems(e).ToList();
            if (problems.Count == 0)
                events.Add(e);
            foreach (var (field, problem) in problems)
                Add(errors, $"{prefix}.{field}", problem);
        }
        return new ReadBatch(events, total, errors);
    }

    private static (BehaviourEvent, bool, string)? ReadEvent(ref Utf8JsonReader reader, string prefix, string? customerId, Dictionary<string, string[]> errors)
    {
        var before = errors.Count;
        string? id = null, type = null, device = null, sku = null, query = null, slot = null, experiment = null, variant = null;
        DateTimeOffset? timestamp = null;
        int? position = null;
        var ownDevice = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8)) { reader.Read(); id = Text(ref reader, $"{prefix}.id", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("type"u8)) { reader.Read(); type = Text(ref reader, $"{prefix}.type", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("timestamp"u8)) { reader.Read(); timestamp = Time(ref reader, $"{prefix}.timestamp", errors); }
            else if (reader.ValueTextEquals("deviceId"u8)) { reader.Read(); device = Text(ref reader, $"{prefix}.deviceId", MaxDeviceIdLength, errors); ownDevice = device is not null; }
            else if (reader.ValueTextEquals("sku"u8)) { reader.Read(); sku = Text(ref reader, $"{prefix}.sku", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("query"u8)) { reader.Read(); query = Text(ref reader, $"{prefix}.query", ClientEventRules.MaxTextLength, errors); }
            else if (reader.ValueTextEquals("slot"u8)) { reader.Read(); slot = Text(ref reader, $"{prefix}.slot", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("experiment"u8)) { reader.Read(); experiment = Text(ref reader, $"{prefix}.experiment", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("variant"u8)) { reader.Read(); variant = Text(ref reader, $"{prefix}.variant", ClientEventRules.MaxIdLength, errors); }
            else if (reader.ValueTextEquals("position"u8)) { reader.Read(); position = Position(ref reader, $"{prefix}.position", errors); }
            else { reader.Read(); reader.Skip(); }
        }
        if (id is null && !errors.ContainsKey($"{prefix}.id"))
            errors[$"{prefix}.id"] = ["is required"];
        if (type is null && !errors.ContainsKey($"{prefix}.type"))
            errors[$"{prefix}.type"] = ["is required"];
        if (timestamp is null && !errors.ContainsKey($"{prefix}.timestamp"))
            errors[$"{prefix}.timestamp"] = ["is required"];
        if (errors.Count > before)
            return null;
        var e = new BehaviourEvent(id!, type!, timestamp!.Value, customerId, device)
        {
            Sku = sku, Query = query, Slot = slot, Position = position, Experiment = experiment, Variant = variant,
        };
        return (e, ownDevice, prefix);
    }

    private static string? Text(ref Utf8JsonReader reader, string field, int maxLength, Dictionary<string, string[]> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType != JsonTokenType.String)
        {
            errors[field] = ["must be a string"];
            reader.Skip();
            return null;
        }
        var text = reader.GetString()!;
        if (text.Length <= maxLength)
            return text;
        errors[field] = [$"must have at most {maxLength} characters"];
        return null;
    }

    private static DateTimeOffset? Time(ref Utf8JsonReader reader, string field, Dictionary<string, string[]> errors)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time))
            return time;
        errors[field] = ["must be an ISO 8601 date and time"];
        reader.Skip();
        return null;
    }

    private static int? Position(ref Utf8JsonReader reader, string field, Dictionary<string, string[]> errors)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return null;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number))
            return number;
        errors[field] = ["must be a whole number"];
        reader.Skip();
        return null;
    }

    private static void Add(Dictionary<string, string[]> errors, string field, string problem) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, problem] : [problem];

    /// <summary>The whole body, up to the endpoint's size limit, in a pooled buffer the caller returns.</summary>
    public static async Task<(byte[] Buffer, int Length)> BufferAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, 1024 * 1024) + 1);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }
            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
                return (buffer, length);
            length += read;
        }
    }
}
