using System.Net;
using System.Text.Json;
using Commerce.Functions.Checkout;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The sandbox's published test secret opens its webhooks in Development only.</summary>
public sealed class WebhookSecretTests
{
    private static async Task<HttpStatusCode> PostSignedWithTheTestSecretAsync(IReadOnlyDictionary<string, string> settings)
    {
        await using var app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, settings);
        var body = JsonSerializer.SerializeToUtf8Bytes(new PaymentEvent("evt-1", PaymentEvent.Confirmed, "o-unknown", "auth_1", 1m, "GBP"), DocumentJson.Options);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/webhooks/sandbox-a") { Content = new ByteArrayContent(body) };
        request.Headers.Add(PaymentWebhooks.SignatureHeader, PaymentWebhooks.SignatureFor(OrdersSetup.SandboxWebhookSecret, DateTimeOffset.UtcNow, body));
        return (await app.Client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Outside_development_a_channel_without_configured_secrets_refuses_webhooks()
    {
        var settings = new Dictionary<string, string>(Shop.FastSettings);
        settings.Remove("Payments:Webhooks:sandbox-a:Secrets");

        Assert.Equal(HttpStatusCode.Unauthorized, await PostSignedWithTheTestSecretAsync(settings));
    }

    [Fact]
    public async Task In_development_the_sandbox_test_secret_is_accepted()
    {
        var settings = new Dictionary<string, string>(Shop.FastSettings) { ["environment"] = "Development" };
        settings.Remove("Payments:Webhooks:sandbox-a:Secrets");

        // Signed correctly, so the webhook is read: its order does not exist.
        Assert.Equal(HttpStatusCode.NotFound, await PostSignedWithTheTestSecretAsync(settings));
    }
}
