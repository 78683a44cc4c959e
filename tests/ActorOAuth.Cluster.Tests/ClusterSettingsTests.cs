using ActorOAuth.Api;
using ActorOAuth.Silo;
using ActorOAuth.Testing;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// <c>ActorOAuth:Cluster</c> is one settings class for the silos and the API processes: a bad value stops either host
/// before it starts, with the same message naming the key.
/// </summary>
public sealed class ClusterSettingsTests
{
    private const string Unreachable = "Host=127.0.0.1;Port=1;Database=none;Username=none";

    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "ActorOAuth:Cluster:ResponseTimeout", "00:00:00", "ActorOAuth:Cluster:ResponseTimeout must be positive; it is 00:00:00." },
        { "ActorOAuth:Cluster:ResponseTimeout", "-00:00:05", "ActorOAuth:Cluster:ResponseTimeout must be positive; it is -00:00:05." },
        { "ActorOAuth:Cluster:ShutdownTimeout", "00:00:00", "ActorOAuth:Cluster:ShutdownTimeout must be positive; it is 00:00:00." },
        { "ActorOAuth:Cluster:AdvertisedAddress", "silo.local", "ActorOAuth:Cluster:AdvertisedAddress 'silo.local' is not an IP address." },
        { "ActorOAuth:Cluster:SiloPort", "0", "ActorOAuth:Cluster:SiloPort must be between 1 and 65535." },
        { "ActorOAuth:Cluster:GatewayPort", "70000", "ActorOAuth:Cluster:GatewayPort must be between 1 and 65535." },
        { "ActorOAuth:Cluster:ConnectionString", "", "ActorOAuth:Cluster:ConnectionString is required in cluster mode" },
        { "ActorOAuth:Cluster:ClusterId", " ", "ActorOAuth:Cluster:ClusterId must not be empty." },
        { "ActorOAuth:Cluster:ServiceId", "", "ActorOAuth:Cluster:ServiceId must not be empty." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_cluster_setting_stops_a_silo_before_it_starts(string key, string value, string message)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => SiloHost.Build(Silo((key, value))));
        Assert.Contains(message, refused.Message);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_cluster_setting_stops_a_cluster_mode_api_before_it_starts(string key, string value, string message)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => ActorOAuthApp.Build(Api((key, value))));
        Assert.Contains(message, refused.Message);
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        var settings = new[] { ("ActorOAuth:Cluster:ConnectionString", ""), ("ActorOAuth:Cluster:ShutdownTimeout", "00:00:00"), ("ActorOAuth:Cluster:ResponseTimeout", "00:00:00") };
        foreach (var build in new Action[] { () => SiloHost.Build(Silo(settings)), () => ActorOAuthApp.Build(Api(settings)) })
        {
            var message = Assert.Throws<InvalidOperationException>(build).Message;
            Assert.Contains("ConnectionString is required", message);
            Assert.Contains("ShutdownTimeout must be positive", message);
            Assert.Contains("ResponseTimeout must be positive", message);
        }
    }

    [Fact]
    public async Task A_silo_with_a_bad_connection_setting_does_not_start()
    {
        await using var silo = SiloHost.Build(Silo(("ActorOAuth:Connections:ReminderPeriod", "00:00:10")));

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => silo.StartAsync());

        Assert.Contains("ActorOAuth:Connections:ReminderPeriod must be at least 00:01:00", refused.Message);
    }

    private static string[] Silo(params (string Key, string Value)[] settings) =>
    [
        "--environment=Production",
        $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
        $"--ActorOAuth:Cluster:ConnectionString={Unreachable}",
        $"--ActorOAuth:Cluster:SiloPort={RunningSandbox.FreePort()}",
        $"--ActorOAuth:Cluster:GatewayPort={RunningSandbox.FreePort()}",
        "--ActorOAuth:Cluster:AdvertisedAddress=127.0.0.1",
        "--ActorOAuth:Encryption:Keys:k1=" + Convert.ToBase64String(new byte[32]),
        "--Logging:LogLevel:Default=None",
        .. settings.Select(s => $"--{s.Key}={s.Value}"),
    ];

    private static string[] Api(params (string Key, string Value)[] settings) =>
    [
        "--environment=Production",
        $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
        "--ActorOAuth:Mode=Cluster",
        $"--ActorOAuth:Cluster:ConnectionString={Unreachable}",
        "--Logging:LogLevel:Default=None",
        .. settings.Select(s => $"--{s.Key}={s.Value}"),
    ];
}
