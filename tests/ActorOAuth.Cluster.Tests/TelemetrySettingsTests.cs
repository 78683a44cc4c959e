using ActorOAuth.Api;
using ActorOAuth.Silo;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Cluster.Tests;

/// <summary>Silos and cluster-mode APIs get the same telemetry settings: operator endpoints only when turned on, behind an admin key.</summary>
public sealed class TelemetrySettingsTests
{
    private const string Unreachable = "Host=127.0.0.1;Port=1;Database=none;Username=none";
    private static readonly string AdminKeyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("admin"u8));

    [Fact]
    public async Task A_silo_maps_metrics_and_the_dashboard_only_when_they_are_turned_on()
    {
        await using var plain = SiloHost.Build(Silo());
        await using var operated = SiloHost.Build(Silo("--ActorOAuth:Telemetry:Prometheus=true", "--ActorOAuth:Telemetry:Dashboard=true",
            $"--ActorOAuth:Telemetry:AdminKeyHashes:0={AdminKeyHash}"));

        Assert.DoesNotContain(Routes(plain), r => r.StartsWith("/metrics", StringComparison.Ordinal) || r.StartsWith("/dashboard", StringComparison.Ordinal));
        Assert.Contains("/metrics", Routes(operated));
        Assert.Contains("/dashboard/", Routes(operated));
    }

    [Fact]
    public async Task A_cluster_mode_api_maps_metrics_but_leaves_the_dashboard_to_the_silos()
    {
        await using var api = ActorOAuthApp.Build(
        [
            "--environment=Production",
            $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
            "--ActorOAuth:Mode=Cluster",
            $"--ActorOAuth:Cluster:ConnectionString={Unreachable}",
            "--Logging:LogLevel:Default=None",
            "--ActorOAuth:Telemetry:Prometheus=true",
            "--ActorOAuth:Telemetry:Dashboard=true",
            $"--ActorOAuth:Telemetry:AdminKeyHashes:0={AdminKeyHash}",
        ]);

        Assert.Contains("/metrics", Routes(api));
        Assert.DoesNotContain(Routes(api), r => r.StartsWith("/dashboard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_with_metrics_on_and_no_admin_key_does_not_start()
    {
        await using var silo = SiloHost.Build(Silo("--ActorOAuth:Telemetry:Prometheus=true"));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());

        Assert.Contains("ActorOAuth:Telemetry:Prometheus and :Dashboard need an admin key", refused.Message);
    }

    private static List<string> Routes(WebApplication app) =>
        [.. ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? "")];

    private static string[] Silo(params string[] extra) =>
    [
        "--environment=Production",
        $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
        $"--ActorOAuth:Cluster:ConnectionString={Unreachable}",
        $"--ActorOAuth:Cluster:SiloPort={RunningSandbox.FreePort()}",
        $"--ActorOAuth:Cluster:GatewayPort={RunningSandbox.FreePort()}",
        "--ActorOAuth:Cluster:AdvertisedAddress=127.0.0.1",
        "--ActorOAuth:Encryption:Keys:k1=" + Convert.ToBase64String(new byte[32]),
        "--Logging:LogLevel:Default=None",
        .. extra,
    ];
}
