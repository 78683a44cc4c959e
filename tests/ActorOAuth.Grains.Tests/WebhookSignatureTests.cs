using System.Net;
using ActorOAuth.Grains.Security;
using ActorOAuth.Grains.Webhooks;
using ActorOAuth.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks;

namespace ActorOAuth.Grains.Tests;

public sealed class WebhookSignatureTests
{
    [Fact]
    public void The_signature_matches_the_Standard_Webhooks_example_vector()
    {
        // The specification's reference libraries all test this vector (secret, msg id, timestamp, payload → signature).
        var signature = WebhookSignature.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }

    [Fact]
    public void A_new_secret_is_256_random_bits_and_its_signatures_verify_with_the_Standard_Webhooks_library()
    {
        var secret = WebhookSignature.NewSecret();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary
        {
            ["webhook-id"] = "evt_1",
            ["webhook-timestamp"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["webhook-signature"] = WebhookSignature.Header([secret, WebhookSignature.NewSecret()], "evt_1", now, "{\"a\":1}"),
        };

        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(secret, WebhookSignature.NewSecret());
        new StandardWebhook(secret).Verify("{\"a\":1}", headers);
        Assert.Throws<StandardWebhooks.Diagnostics.WebhookVerificationException>(() => new StandardWebhook(secret).Verify("{\"a\":2}", headers));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_webhook_client_connects_only_to_addresses_the_provider_policy_allows(bool allowLoopback)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(new Environment());
        services.AddActorOAuthGrains();
        services.Configure<ProviderSecurityOptions>(o => o.AllowLoopback = allowLoopback);
        await using var provider = services.BuildServiceProvider();
        using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient(WebhookSender.HttpClientName);

        // The URL is checked before any request as well; this is the connect step alone, as DNS rebinding would meet it.
        var send = () => client.PostAsync(receiver.Url, new StringContent("{}"));

        if (allowLoopback)
        {
            Assert.Equal(HttpStatusCode.OK, (await send()).StatusCode);
            Assert.Single(receiver.Received);
        }
        else
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(send);
            Assert.IsType<ProviderAddressRefusedException>(refused.InnerException);
            Assert.Empty(receiver.Received);
        }
    }

    private sealed class Environment : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
