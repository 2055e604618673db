using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Payments.Webhooks;
using CsCheck;

namespace Commerce.Functions.Tests.Security;

public enum Caller
{
    Anonymous,
    Customer,
    Admin,
    /// <summary>An Authorization header that is not a token this app signed.</summary>
    Forged,
}

/// <summary>One generated request, kept as data so that a failure can print it whole.</summary>
/// <param name="Credentials">the Authorization header of a <see cref="Caller.Forged"/> caller; the others get theirs when sent.</param>
public sealed record MalformedRequest(
    string Route, string Method, string Url, Caller Caller, string? Credentials, IReadOnlyList<(string Name, string Value)> Headers, byte[]? Body, string? ContentType, bool Chunked, string Defect)
{
    public HttpRequestMessage ToMessage(IReadOnlyDictionary<Caller, string> authorization)
    {
        // Each on a connection of its own, so that one the server closes after a bad request takes no other with it.
        var message = new HttpRequestMessage(new HttpMethod(Method), Url) { Headers = { ConnectionClose = true } };
        if ((Credentials ?? authorization.GetValueOrDefault(Caller)) is { } credentials)
            message.Headers.TryAddWithoutValidation("Authorization", credentials);
        foreach (var (name, value) in Headers)
            message.Headers.TryAddWithoutValidation(name, value);
        if (Body is not null)
        {
            message.Content = Chunked ? new StreamContent(new NonSeekableStream(Body)) : new ByteArrayContent(Body);
            if (ContentType is not null)
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        return message;
    }

    public override string ToString()
    {
        var body = Body is null ? "(none)" : Body.Length > 600 ? $"{Body.Length} bytes, starting {Printable(Body[..600])}" : Printable(Body);
        return $"{Method} {Shorten(Url)} as {Caller}{(Credentials is null ? "" : $" ({Shorten(Credentials)})")} [{Defect}]\n  headers: {string.Join("; ", Headers.Select(h => $"{h.Name}: {Shorten(h.Value)}"))}\n  content-type: {ContentType ?? "(none)"}{(Chunked ? ", chunked" : "")}\n  body: {body}";
    }

    private static string Shorten(string text) => text.Length > 300 ? $"{text[..300]}... ({text.Length} chars)" : text;

    private static string Printable(byte[] bytes) => JsonSerializer.Serialize(Encoding.UTF8.GetString(bytes));

    /// <summary>A body without a known length, so that it is sent chunked.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>
/// CsCheck generators of requests that are wrong in at least one way a server must refuse: JSON that does not parse,
/// JSON that is no object, an object with a field the API's schemas know holding a value of a kind that field cannot
/// take, an empty or oversize body, a wrong content type; on top of that, hostile ids in the path (never a real id on a
/// write), hostile query values, bad If-Match, Idempotency-Key and signature headers, and forged tokens.
/// </summary>
public sealed class MalformedRequests(OpenApiRoutes api, IReadOnlyDictionary<string, string> realIds, long maxBodyBytes)
{
    private static readonly string[] HostileTexts =
    [
        "", " ", "0", "-1", "NaN", "Infinity", "-Infinity", "1e309", "99999999999999999999999999999", "null", "undefined", "true",
        "../../../etc/passwd", "..\\..\\windows", "%00", "\0", "\u0007bell", "\u202Eevil", "😀🛒", "\uFEFF", "Ω≈ç√", "ǅ",
        "' OR '1'='1", "\"; DROP TABLE orders; --", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "*", "?", "#",
        "o-ffffffffffffffffffffffff", "a/b", "a b", "\t", "\r\n", "-", "_", ".", "..", new string('a', 300), new string('x', 3000),
    ];

    private static readonly string[] HostileNumbers = ["1e400", "-1e400", "2147483648", "-2147483649", "2.5", "-0.5", "79228162514264337593543950336", "-1", "0", "1e-400"];

    private static readonly string[] BrokenJson =
    [
        "{\"a\":", "{'a':1}", "[1,2", "NaN", "{\"a\":1,}", "{\"a\" 1}", "undefined", "{\"a\":\"\u0001\"}", "}", "{\"a\":01}", "{\"a\":.5}",
        "{\"a\":1}{\"b\":2}", "{\"a\":tru}", "\"unterminated", "{\"\\ud800\":\"\\uZZZZ\"}", "{\"a\":1e}", "--",
    ];

    private static readonly string[] NotObjects = ["[]", "\"text\"", "42", "null", "true", "[{}]", "-0", "\"\\ud800\"", "1e400"];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data", "text/csv", "*/*",
        "application/json; charset=utf-16", "application/json; charset=bogus", "application/problem+json", "garbage",
    ];

    private static readonly string[] BadIfMatch = ["garbage", "\"", "*", "W/\"x\"", "\"a\", \"b\"", new string('"', 300), "\"" + new string('e', 4000) + "\"", ""];
    private static readonly string[] BadIdempotencyKeys = ["", " ", new string('k', 256), new string('k', 4000), "\t", "key,with,commas"];
    private static readonly string[] BadSignatures =
    [
        "t=abc,v1=zz", "t=99999999999999999999,v1=00", "v1=deadbeef", "t=,v1=", "t=1,v1=1,v1=2,v1=3", "t=-1,v1=" + new string('a', 64),
        "garbage", "t=0", new string('t', 2000), "t=1700000000,v1=" + new string('0', 64),
    ];
    private static readonly string[] ForgedCredentials =
    [
        "Bearer garbage", "Bearer a.b.c", "Basic YWRtaW46YWRtaW4=", "Bearer ", "Bearer " + new string('A', 3000),
        // alg "none", sub "ops", role "admin": unsigned.
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJvcHMiLCJyb2xlIjoiYWRtaW4iLCJhdWQiOiJjb21tZXJjZS1hcGkiLCJpc3MiOiJjb21tZXJjZSJ9.",
    ];

    /// <summary>Any character but lone surrogates (which cannot go into a URL), often outside ASCII.</summary>
    private static readonly Gen<char> AnyChar = Gen.Frequency((3, Gen.Char['\u0000', '\u007F']), (2, Gen.Char['\u0080', '\uD7FF']), (1, Gen.Char['\uE000', '\uFFFF']));

    private static readonly Gen<string> HostileText = Gen.Frequency((3, Gen.OneOf(HostileTexts)), (2, Gen.String[AnyChar, 1, 40]));

    private IReadOnlyList<string> QueryNames { get; } = api.Routes.SelectMany(r => r.Parameters).Where(p => p.In == "query").Select(p => p.Name)
        .Concat(["page", "pageSize", "sort", "minPrice", "maxPrice", "category", "brand", "q", "inStock", "descending", "includeInactive", "attr.color", "continuationToken"])
        .Distinct(StringComparer.Ordinal).ToList();

    /// <summary>For each field name the schemas know, the hostile values no field of that name can take.</summary>
    private readonly IReadOnlyDictionary<string, string[]> _wrongValues = api.Fields
        .Select(f => (f.Key, Values: HostileValues.Where(v => IsWrongFor(f.Value, v)).ToArray()))
        .Where(f => f.Values.Length > 0)
        .ToDictionary(f => f.Key, f => f.Values, StringComparer.OrdinalIgnoreCase);

    public Gen<MalformedRequest> For(ApiRoute route) =>
        Gen.Select(Path(route), Query(route), Headers(route), Body(route), Callers, (path, query, headers, body, caller) => new MalformedRequest(
            route.Key, route.Method, query.Length == 0 ? path : $"{path}?{query}", caller.Caller, caller.Credentials, headers, body.Bytes, body.ContentType, body.Chunked,
            string.Join(", ", new[] { body.Defect, headers.Count > 0 ? "bad headers" : "", query.Length > 0 ? "bad query" : "" }.Where(d => d.Length > 0))));

    private static readonly Gen<(Caller Caller, string? Credentials)> Callers = Gen.Frequency(
        (2, Gen.Const((Caller.Anonymous, (string?)null))),
        (3, Gen.Const((Caller.Customer, (string?)null))),
        (4, Gen.Const((Caller.Admin, (string?)null))),
        (1, Gen.OneOf(ForgedCredentials).Select(c => (Caller.Forged, (string?)c))));

    private Gen<string> Path(ApiRoute route)
    {
        var segments = route.Path.Split('/');
        var gens = segments.Select(segment =>
        {
            if (!(segment.StartsWith('{') && segment.EndsWith('}')))
                return Gen.Const(segment);
            var name = segment[1..^1];
            // Kestrel refuses a NUL in the path itself, with a bare 400, before the app sees the request.
            var hostile = HostileText.Select(text => Uri.EscapeDataString(text.Replace('\0', '\u0001')));
            // Real ids only where nothing can change: reads, and the webhook channel, whose signature still has to hold.
            return realIds.TryGetValue(name, out var real) && (route.IsRead || name == "channel")
                ? Gen.Frequency((2, hostile), (1, Gen.Const(Uri.EscapeDataString(real))))
                : hostile;
        }).ToArray();
        return Sequence(gens).Select(parts => string.Join('/', parts));
    }

    private Gen<string> Query(ApiRoute route)
    {
        var names = route.Parameters.Where(p => p.In == "query").Select(p => p.Name).Concat(QueryNames).Distinct(StringComparer.Ordinal).ToArray();
        var pair = Gen.Select(Gen.OneOf(names), Gen.Frequency((2, Gen.OneOf(HostileNumbers)), (3, HostileText), (1, Gen.OneOf("maybe", "2", "not a date", "2026-13-45T25:61:00Z", "eyJ", "!!!", "%zz"))),
            (name, value) => $"{Uri.EscapeDataString(name)}={(value == "%zz" ? value : Uri.EscapeDataString(value))}");
        return Gen.Frequency((1, Gen.Const("")), (1, pair.List[1, 5].Select(pairs => string.Join('&', pairs))));
    }

    private static Gen<List<(string Name, string Value)>> Headers(ApiRoute route)
    {
        var header = Gen.Frequency(
            (2, Gen.OneOf(BadIfMatch).Select(v => ("If-Match", v))),
            (1, Gen.OneOf(BadIfMatch).Select(v => ("If-None-Match", v))),
            (route.Key == "POST /api/checkout" ? 4 : 1, Gen.OneOf(BadIdempotencyKeys).Select(v => (IdempotencyExtensions.KeyHeader, v))),
            (route.Path.Contains("webhooks", StringComparison.Ordinal) ? 4 : 1, Gen.OneOf(BadSignatures).Select(v => (PaymentWebhooks.SignatureHeader, v))),
            (1, Gen.OneOf("Accept", "Accept-Language", "X-Forwarded-For").Select(n => (n, "garbage, 999.1.1.1, *;q=bogus"))));
        return Gen.Frequency((1, Gen.Const(new List<(string, string)>())), (2, header.List[1, 3]));
    }

    private sealed record BodyChoice(byte[]? Bytes, string? ContentType, bool Chunked, string Defect);

    private Gen<BodyChoice> Body(ApiRoute route)
    {
        var json = "application/json";
        var broken = Gen.Frequency((3, Gen.OneOf(BrokenJson).Select(Encoding.UTF8.GetBytes)), (1, Gen.Byte.Array[1, 200]), (1, Gen.Const(new byte[] { (byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}' })))
            .Select(b => new BodyChoice(b, json, false, "broken JSON"));
        var notObject = Gen.Frequency(
                (3, Gen.OneOf(NotObjects)),
                (1, Gen.Int[65, 3000].Select(depth => new string('[', depth) + new string(']', depth))),
                (1, Gen.Int[65, 500].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))))
            .Select(text => new BodyChoice(Encoding.UTF8.GetBytes(text), json, false, "JSON but not an object"));
        var wrongFields = Fields().Select(text => new BodyChoice(Encoding.UTF8.GetBytes(text), json, false, "fields of the wrong kind"));
        var wrongType = Gen.Select(Fields(), Gen.OneOf(ContentTypes), (text, type) => new BodyChoice(Encoding.UTF8.GetBytes(text), type, false, $"content type {type}"));
        var oversize = Gen.Select(Gen.Int[1, 64 * 1024], Gen.Bool, (extra, chunked) =>
            new BodyChoice(Encoding.UTF8.GetBytes("{\"pad\":\"" + new string('x', (int)maxBodyBytes + extra) + "\"}"), json, chunked, chunked ? "oversize, chunked" : "oversize"));
        var empty = Gen.OneOf<string?>(json, null).Select(type => new BodyChoice([], type, false, "empty body"));
        var none = Gen.Const(new BodyChoice(null, null, false, "no body"));
        return route.IsRead
            ? Gen.Frequency((6, none), (1, broken), (1, wrongFields))
            : Gen.Frequency((3, broken), (2, notObject), (6, wrongFields), (2, wrongType), (1, oversize), (1, empty), (1, none));
    }

    /// <summary>
    /// A JSON object whose first field is one the API's schemas know, with a value of a kind that field cannot take;
    /// then up to five more fields, known or unknown names, with hostile values.
    /// </summary>
    private Gen<string> Fields()
    {
        var known = Gen.OneOf(_wrongValues.Keys.Order(StringComparer.Ordinal).ToArray());
        var wrong = known.SelectMany(name => Gen.OneOf(_wrongValues[name]).Select(value => (name, value)));
        var anyName = Gen.Frequency((3, known), (1, Gen.String[AnyChar, 0, 20]), (1, Gen.Const("")));
        var extra = Gen.Select(anyName, Gen.OneOf(HostileValues), (name, value) => (name, value));
        return Gen.Select(wrong, extra.List[0, 5], (first, rest) =>
            "{" + string.Join(",", new[] { first }.Concat(rest).Select(f => $"{JsonSerializer.Serialize(f.name)}:{f.value}")) + "}");
    }

    /// <summary>JSON values (as text) that no sensible field accepts as they are, or only some do.</summary>
    private static readonly string[] HostileValues =
    [
        .. HostileNumbers, .. HostileTexts.Select(t => JsonSerializer.Serialize(t)), "\"\\ud800\"", "\"\\udfff\\ud800\"",
        "true", "false", "null", "[]", "{}", "[1,\"a\",null]", "[[[[[]]]]]", "{\"a\":{\"b\":{}}}", "{\"$type\":\"System.IO.FileInfo\"}",
        "[" + string.Join(",", Enumerable.Repeat("0", 2000)) + "]", "\"2026-13-45T25:61:00Z\"",
    ];

    /// <summary>True when no field of <paramref name="kinds"/> can take <paramref name="value"/> (null counts as absent, never wrong).</summary>
    private static bool IsWrongFor(IReadOnlySet<string> kinds, string value)
    {
        if (kinds.Count == 0)
            return false;
        using var document = JsonDocument.Parse(value);
        var element = document.RootElement;
        return element.ValueKind switch
        {
            JsonValueKind.Number => (!kinds.Contains("number") && !kinds.Contains("integer"))
                || (!kinds.Contains("number") && !element.TryGetInt32(out _))
                || (kinds.Contains("number") && !kinds.Contains("integer") && !element.TryGetDecimal(out _)),
            JsonValueKind.String => !kinds.Contains("string")
                && !double.TryParse(RawString(element), NumberStyles.Float, CultureInfo.InvariantCulture, out _),
            JsonValueKind.True or JsonValueKind.False => !kinds.Contains("boolean"),
            JsonValueKind.Array => !kinds.Contains("array"),
            JsonValueKind.Object => !kinds.Contains("object"),
            _ => false,
        };
    }

    private static string RawString(JsonElement element) => element.GetRawText().Trim('"');

    private static Gen<string[]> Sequence(Gen<string>[] gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<string>()), (all, next) => Gen.Select(all, next, (parts, part) => (string[])[.. parts, part]));
}
