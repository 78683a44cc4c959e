using ActorOAuth.Grains;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Tests;

/// <summary>A setting out of its range stops the API at start, with a message naming the key.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "ActorOAuth:Connections:ReminderPeriod", "00:00:30", "ActorOAuth:Connections:ReminderPeriod must be at least 00:01:00" },
        { "ActorOAuth:Connections:AuthorizationLifetime", "-00:10:00", "ActorOAuth:Connections:AuthorizationLifetime must be positive" },
        { "ActorOAuth:Connections:MaxRefreshLead", "00:00:00", "ActorOAuth:Connections:MaxRefreshLead must be positive" },
        { "ActorOAuth:Connections:RetryInitialDelay", "00:00:00", "ActorOAuth:Connections:RetryInitialDelay must be positive" },
        { "ActorOAuth:Connections:RetryMaxDelay", "00:00:10", "ActorOAuth:Connections:RetryMaxDelay (00:00:10) must not be less than ActorOAuth:Connections:RetryInitialDelay" },
        { "ActorOAuth:Connections:RetryWindow", "-1.00:00:00", "ActorOAuth:Connections:RetryWindow must be positive" },
        { "ActorOAuth:Connections:ForcedRefreshDebounce", "-00:00:01", "ActorOAuth:Connections:ForcedRefreshDebounce must not be negative" },
        { "ActorOAuth:Connections:UsedLogInterval", "00:00:00", "ActorOAuth:Connections:UsedLogInterval must be positive" },
        { "ActorOAuth:Connections:UsedWriteDelay", "-00:00:01", "ActorOAuth:Connections:UsedWriteDelay must not be negative" },
        { "ActorOAuth:Connections:ProviderCallTimeout", "00:05:01", "ActorOAuth:Connections:ProviderCallTimeout must be at most 00:05:00" },
        { "ActorOAuth:Connections:ProviderCallTimeout", "00:00:00", "ActorOAuth:Connections:ProviderCallTimeout must be positive" },
        { "ActorOAuth:Connections:StateWriteRetryDelay", "00:00:00", "ActorOAuth:Connections:StateWriteRetryDelay must be positive" },
        { "ActorOAuth:RateLimits:TenantRequestsPerSecond", "0", "ActorOAuth:RateLimits:TenantRequestsPerSecond" },
        { "ActorOAuth:RateLimits:TenantBurst", "-5", "ActorOAuth:RateLimits:TenantBurst" },
        { "ActorOAuth:RateLimits:CallbackRequestsPerMinute", "0", "ActorOAuth:RateLimits:CallbackRequestsPerMinute" },
        { "ActorOAuth:PublicBaseUrl", "ftp://oauth.example.com", "ActorOAuth:PublicBaseUrl must be an absolute http(s) URL" },
        { "ActorOAuth:Regions:eu-west-1:PublicBaseUrl", "eu.oauth.example.com", "ActorOAuth:Regions:eu-west-1:PublicBaseUrl must be an absolute http(s) URL" },
        { "ActorOAuth:Tenants:acme:CustomDomain", "not a domain", "ActorOAuth:Tenants:acme:CustomDomain" },
        { "ActorOAuth:Tenants:acme:ReturnUrlOrigins:0", "app.example.com", "ActorOAuth:Tenants:acme:ReturnUrlOrigins:0 must be an origin" },
        { "ActorOAuth:Tenants:acme:ReturnUrlOrigins:0", "https://app.example.com/settings", "ActorOAuth:Tenants:acme:ReturnUrlOrigins:0 must be an origin" },
        { "ActorOAuth:ApiKeyHashes:not-a-hash", "acme", "ActorOAuth:ApiKeyHashes: every key must be a SHA-256 in hex" },
        { "ActorOAuth:ProviderSecurity:MaxResponseBytes", "0", "ActorOAuth:ProviderSecurity:MaxResponseBytes must be between 1024 and 16777216" },
        { "ActorOAuth:Telemetry:Prometheus", "true", "ActorOAuth:Telemetry:Prometheus and :Dashboard need an admin key" },
        { "ActorOAuth:Telemetry:AdminKeyHashes:0", "0123", "ActorOAuth:Telemetry:AdminKeyHashes:0 must be a SHA-256 in hex" },
        { "ActorOAuth:Webhooks:AttemptTimeout", "00:02:00", "ActorOAuth:Webhooks:AttemptTimeout must be at most 00:01:00" },
        { "ActorOAuth:Webhooks:MaxEndpoints", "0", "MaxEndpoints" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_stops_the_api_at_start_with_a_message_naming_its_key(string key, string value, string message)
    {
        await using var app = ProductionApp.Build($"--{key}={value}");

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(message, refused.Message);
    }

    [Fact]
    public async Task Zero_debounce_zero_used_write_delay_and_an_origin_with_a_port_are_accepted()
    {
        await using var app = ActorOAuthApp.Build(
        [
            "--environment=Development",
            "--ActorOAuth:Sandbox:Enabled=false",
            $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
            $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
            $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
            "--ActorOAuth:Connections:ForcedRefreshDebounce=00:00:00",
            "--ActorOAuth:Connections:UsedWriteDelay=00:00:00",
            "--ActorOAuth:Tenants:acme:ReturnUrlOrigins:0=https://app.example.com:8443/",
            "--Logging:LogLevel:Default=None",
        ]);

        // Reading the options runs every validator, without starting the co-hosted silo.
        Assert.Equal(TimeSpan.Zero, app.Services.GetRequiredService<IOptions<ConnectionOptions>>().Value.ForcedRefreshDebounce);
        Assert.Single(app.Services.GetRequiredService<IOptions<ActorOAuthOptions>>().Value.Tenants["acme"].ReturnUrlOrigins);
    }
}
