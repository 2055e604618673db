using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Events.Outbox;

namespace Commerce.Functions.Tests.Events;

/// <summary>A CloudEvents 1.0 JSON document read with plain JSON, as a consumer without the SDK would read it.</summary>
public sealed record IntegrationEvent(string SpecVersion, string Id, string Type, string Source, string Subject, long Sequence, DateTimeOffset Time, SystemEvent Data)
{
    public static IntegrationEvent Decode(byte[] body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("application/json", (string?)json["datacontenttype"]);
        return new IntegrationEvent(
            (string)json["specversion"]!, (string)json["id"]!, (string)json["type"]!, (string)json["source"]!, (string)json["subject"]!,
            long.Parse(json["sequence"]!.ToJsonString().Trim('"'), System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)json["time"]!, System.Globalization.CultureInfo.InvariantCulture),
            json["data"]!.Deserialize<SystemEvent>(new JsonSerializerOptions(JsonSerializerDefaults.Web))!);
    }
}
