using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace VendorIntegration;

public sealed class FilesIntegrationTests : IAsyncLifetime
{
    private const string Connection = "acme-42.sandbox";
    private ActorOAuthTestKit _kit = null!;
    private ThirdPartyStandIn _thirdParty = null!;

    public async Task InitializeAsync()
    {
        _kit = await ActorOAuthTestKit.StartAsync();
        _thirdParty = await _kit.StartThirdPartyAsync();
    }

    [Fact]
    public async Task Uploads_carry_the_connection_token_and_a_401_leads_to_one_refresh_and_a_retried_upload()
    {
        await _kit.ConnectAsync(Connection);
        var services = new ServiceCollection();
        services.AddActorOAuthClient(_kit.ConfigureClient);
        services.AddHttpClient<FilesIntegration>(c => c.BaseAddress = new Uri(_thirdParty.BaseUrl + "/")).AddConnectionToken(Connection);
        await using var provider = services.BuildServiceProvider();
        var files = provider.GetRequiredService<FilesIntegration>();

        await files.UploadAsync("a.txt", "first");
        await _kit.RevokeAccessTokenAsync(Connection);
        var refreshes = _kit.Sandbox.Stats.RefreshRequests;
        await files.UploadAsync("b.txt", "second");

        Assert.Equal(refreshes + 1, _kit.Sandbox.Stats.RefreshRequests);
        Assert.Equal([200, 401, 200], _thirdParty.Requests.Select(r => r.Status));
        Assert.Equal(_thirdParty.Requests[0].AccessToken, _thirdParty.Requests[1].AccessToken);
        Assert.NotEqual(_thirdParty.Requests[1].AccessToken, _thirdParty.Requests[2].AccessToken);
        Assert.Equal(_thirdParty.Requests[1].Body, _thirdParty.Requests[2].Body);
        var logs = await _kit.Client.Connections.GetLogsAsync(Connection);
        Assert.Contains(logs, entry => entry.Event == "error_reported" && entry.Message.Contains("unauthorized"));
    }

    public async Task DisposeAsync()
    {
        await _thirdParty.DisposeAsync();
        await _kit.DisposeAsync();
    }
}
