using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Commerce.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Commerce.Functions.Tests.Webhooks;

/// <summary>A partner's endpoint: Kestrel on a free loopback port, answering what the test says and keeping what it got.</summary>
public sealed class PartnerReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    public sealed record Received(string Id, string Timestamp, string Signature, string Body, string? ContentType);

    private PartnerReceiver(WebApplication app, int port)
    {
        _app = app;
        Url = new Uri($"http://127.0.0.1:{port}/hooks");
    }

    public Uri Url { get; }

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>What the next requests are answered with; a held answer waits for <see cref="Release"/>.</summary>
    public int Status { get; set; } = 200;

    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public bool Hold { get; set; }
    public void Release() => _released.TrySetResult();
    public bool Released => _released.Task.IsCompleted;

    public static async Task<PartnerReceiver> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new PartnerReceiver(app, port);
        app.MapPost("/hooks", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            receiver.Requests.Enqueue(new Received(request.Headers["webhook-id"].ToString(), request.Headers["webhook-timestamp"].ToString(),
                request.Headers["webhook-signature"].ToString(), await reader.ReadToEndAsync(), request.ContentType));
            if (receiver.Hold)
                await receiver._released.Task;
            return Results.StatusCode(receiver.Status);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The Standard Webhooks signature computed here, by hand: v1, base64 HMAC-SHA256 of id.timestamp.body with the key after whsec_.</summary>
    public static string ExpectedSignature(string secret, Received request)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{request.Id}.{request.Timestamp}.{request.Body}"));
        return "v1," + Convert.ToBase64String(mac);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.DisposeAsync();
    }
}
