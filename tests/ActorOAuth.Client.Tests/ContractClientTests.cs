using System.Net;
using System.Security.Cryptography;
using System.Text;
using ActorOAuth.Testing;

namespace ActorOAuth.Client.Tests;

/// <summary>The sub-clients of the additions (integrations, catalog, connect sessions, webhooks, check, config) against the real API.</summary>
[Collection(KitCollection.Name)]
public sealed class ContractClientTests(KitFixture fixture)
{
    private static int _next;

    private ActorOAuthTestKit Kit => fixture.Kit;

    private IActorOAuthClient Client => fixture.Kit.Client;

    private static string NewId(string kind) => $"client-{kind}-{Interlocked.Increment(ref _next)}";

    [Fact]
    public async Task An_integration_is_created_listed_used_by_a_connection_and_deleted_once_unused()
    {
        var id = NewId("integration");
        // The identity call's URL is a template: each connection fills {region} from its params, which its config keeps.
        var userInfoTemplate = fixture.ThirdParty.BaseUrl + "/{region}/userinfo";
        var settings = new IntegrationSettings
        {
            Provider = "sandbox",
            ClientId = RunningSandbox.ClientId,
            ClientSecret = RunningSandbox.ClientSecret,
            Scopes = ["files.read", "offline_access"],
            UserInfoUrl = userInfoTemplate,
        };

        var created = await Client.Integrations.PutAsync(id, settings);
        Assert.True(created.Created);
        Assert.Equal(id, created.Integration.Id);
        Assert.Equal("sandbox", created.Integration.Provider);
        Assert.Equal(Kit.Sandbox.TokenUrl, created.Integration.TokenUrl);
        Assert.Equal(RunningSandbox.ClientId, created.Integration.ClientId);
        Assert.True(created.Integration.HasClientSecret);
        Assert.Equal(userInfoTemplate, created.Integration.UserInfoUrl);
        Assert.Equal(0, created.Integration.Connections);

        var updated = await Client.Integrations.PutAsync(id, settings with { ClientSecret = null, Scopes = ["files.read"] });
        Assert.False(updated.Created);
        Assert.True(updated.Integration.HasClientSecret, "a save without a secret keeps the stored one");
        Assert.Equal(["files.read"], updated.Integration.Scopes);
        Assert.Contains(await Client.Integrations.ListAsync(), i => i.Id == id);

        var connectionId = KitFixture.NewId();
        var connected = await Kit.ConnectAsync(connectionId, new ConnectionSettings
        {
            Integration = id,
            Scopes = ["files.read", "offline_access"],
            Params = new Dictionary<string, string> { ["region"] = "eu" },
        });
        Assert.Equal(ConnectionStatus.Configured, connected.Status);
        Assert.Equal(id, connected.Integration);
        Assert.Equal(Kit.Sandbox.TokenUrl, connected.TokenUrl);
        Assert.Equal(RunningSandbox.ClientId, connected.ClientId);
        Assert.Equal("eu", connected.Config.GetValueOrDefault("region"));
        Assert.Equal(fixture.ThirdParty.BaseUrl + "/eu/userinfo", connected.UserInfoUrl);
        Assert.Equal(1, (await Client.Integrations.GetAsync(id)).Connections);
        Assert.Equal([connectionId], (await Client.Connections.ListAsync(new ConnectionQuery { Integration = id })).Items.Select(c => c.Id));

        var token = await Client.Connections.GetTokenAsync(connectionId);
        Assert.True(await Kit.Sandbox.IsActiveAsync(token.AccessToken));
        Assert.Equal("eu", token.Config.GetValueOrDefault("region"));
        Assert.DoesNotContain(token.AccessToken, token.ToString());
        var check = await Client.Connections.CheckAsync(connectionId);
        Assert.True(check.Ok, check.Detail);
        Assert.Contains(fixture.ThirdParty.Requests, r => r.PathAndQuery == "/eu/userinfo" && r.AccessToken == token.AccessToken && r.Status == 200);

        var inUse = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Integrations.DeleteAsync(id));
        Assert.Equal(HttpStatusCode.Conflict, inUse.Status);
        Assert.Equal(ActorOAuthProblemCodes.IntegrationInUse, inUse.Code);

        await Client.Connections.DeleteAsync(connectionId);
        await Client.Integrations.DeleteAsync(id);
        Assert.DoesNotContain(await Client.Integrations.ListAsync(), i => i.Id == id);
    }

    [Fact]
    public async Task An_unknown_integration_surfaces_as_a_404_problem_and_a_connection_naming_it_as_a_400()
    {
        var missing = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Integrations.GetAsync(NewId("missing")));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal(ActorOAuthProblemCodes.IntegrationNotFound, missing.Code);
        Assert.NotNull(missing.Detail);

        var unknownProvider = await Assert.ThrowsAsync<ActorOAuthProblemException>(() =>
            Client.Integrations.PutAsync(NewId("integration"), new IntegrationSettings { Provider = "no-such-provider", ClientId = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknownProvider.Status);
        Assert.Equal(ActorOAuthProblemCodes.ValidationFailed, unknownProvider.Code);
        Assert.Contains("provider", unknownProvider.Errors.Keys);

        var id = NewId("integration");
        await Client.Integrations.PutAsync(id, new IntegrationSettings { Provider = "sandbox", ClientId = RunningSandbox.ClientId, ClientSecret = RunningSandbox.ClientSecret });
        var withUrls = await Assert.ThrowsAsync<ActorOAuthProblemException>(() =>
            Client.Connections.PutAsync(KitFixture.NewId(), new ConnectionSettings { Integration = id, TokenUrl = Kit.Sandbox.TokenUrl }));
        Assert.Equal(HttpStatusCode.BadRequest, withUrls.Status);
        Assert.Equal(ActorOAuthProblemCodes.ValidationFailed, withUrls.Code);
        await Client.Integrations.DeleteAsync(id);
    }

    [Fact]
    public async Task The_catalog_lists_its_providers_in_id_order_and_reads_one_entry()
    {
        var providers = await Client.Providers.ListAsync();
        var ids = providers.Select(p => p.Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Contains("sandbox", ids);
        Assert.Contains("google", ids);

        var slack = await Client.Providers.GetAsync("slack");
        Assert.Equal("Slack", slack.Name);
        Assert.Equal("https://slack.com/oauth/v2/authorize", slack.AuthorizeUrl);
        Assert.Equal("https://slack.com/api/oauth.v2.access", slack.TokenUrl);
        Assert.Equal(",", slack.ScopeSeparator);
        Assert.Contains("teamId", slack.Config);
        Assert.Contains("botUserId", slack.Config);
        Assert.True(slack.BuiltIn);
        Assert.Equal(slack.Config, providers.Single(p => p.Id == "slack").Config);

        var sandbox = providers.Single(p => p.Id == "sandbox");
        Assert.Equal(Kit.Sandbox.TokenUrl, sandbox.TokenUrl);
        Assert.False(sandbox.BuiltIn);

        var unknown = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Providers.GetAsync("no-such-provider"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(ActorOAuthProblemCodes.ProviderNotFound, unknown.Code);
    }

    [Fact]
    public async Task A_connect_session_links_to_the_page_of_its_connections_until_it_is_revoked()
    {
        var id = KitFixture.NewId();
        await Client.Connections.PutAsync(id, ActorOAuthTestKit.SandboxSettings);

        var session = await Client.ConnectSessions.CreateAsync([id], expiresIn: TimeSpan.FromMinutes(1));
        var longer = await Client.ConnectSessions.CreateAsync([id], expiresIn: TimeSpan.FromHours(1));
        Assert.Equal(Kit.ApiUrl.GetLeftPart(UriPartial.Authority) + "/connect/" + session.Token, session.Url);
        Assert.NotEqual(session.Token, longer.Token);
        Assert.InRange((longer.ExpiresAt - session.ExpiresAt).TotalSeconds, 3540 - 30, 3540 + 30);
        Assert.DoesNotContain(session.Token, session.ToString());

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using (var page = await browser.GetAsync(session.Url))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains($"data-connection=\"{id}\"", await page.Content.ReadAsStringAsync());
        }

        await Client.ConnectSessions.RevokeAsync(session.Token);
        using (var revoked = await browser.GetAsync(session.Url))
        {
            Assert.True(revoked.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone, $"a revoked link answered {(int)revoked.StatusCode}");
        }

        using (var other = await browser.GetAsync(longer.Url))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        var unknownToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var unknownSession = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.ConnectSessions.RevokeAsync(unknownToken));
        Assert.Equal(HttpStatusCode.NotFound, unknownSession.Status);
        Assert.Equal(ActorOAuthProblemCodes.ConnectSessionNotFound, unknownSession.Code);

        var unknownConnection = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.ConnectSessions.CreateAsync([KitFixture.NewId()]));
        Assert.Equal(HttpStatusCode.NotFound, unknownConnection.Status);
        Assert.Equal(ActorOAuthProblemCodes.ConnectionNotFound, unknownConnection.Code);

        var none = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.ConnectSessions.CreateAsync([]));
        Assert.Equal(ActorOAuthProblemCodes.ValidationFailed, none.Code);
        Assert.Contains("connections", none.Errors.Keys);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Client.ConnectSessions.CreateAsync([id], expiresIn: TimeSpan.FromSeconds(1.5)));
        await Client.ConnectSessions.RevokeAsync(longer.Token);
    }

    [Fact]
    public async Task A_webhook_shows_its_secret_once_signs_deliveries_with_it_rotates_it_and_logs_each_delivery()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var id = NewId("webhook");

        var created = await Client.Webhooks.PutAsync(id, new WebhookSettings { Url = receiver.Url, Events = [WebhookEventTypes.Authorized, WebhookEventTypes.Deleted] });
        Assert.True(created.Created);
        Assert.StartsWith("whsec_", created.Secret);
        Assert.Equal([WebhookEventTypes.Authorized, WebhookEventTypes.Deleted], created.Webhook.Events);
        Assert.DoesNotContain(created.Secret!, created.ToString());
        var read = await Client.Webhooks.GetAsync(id);
        Assert.Equal(receiver.Url, read.Url);
        Assert.Contains(await Client.Webhooks.ListAsync(), w => w.Id == id && w.Url == receiver.Url);

        var updated = await Client.Webhooks.PutAsync(id, new WebhookSettings { Url = receiver.Url });
        Assert.False(updated.Created);
        Assert.Null(updated.Secret);
        Assert.Null(updated.Webhook.Events);

        var connectionId = KitFixture.NewId();
        await Kit.ConnectAsync(connectionId);
        WebhookDelivery? delivery = null;
        await ClusterWithSandbox.Eventually(async () =>
        {
            delivery = (await Client.Webhooks.GetDeliveriesAsync(id, limit: 200))
                .FirstOrDefault(d => d.ConnectionId == connectionId && d.Type == WebhookEventTypes.Authorized);
            return delivery?.Status == WebhookDeliveryStatus.Delivered;
        }, because: "the delivery log shows the connect delivered");
        Assert.Equal(1, delivery!.Attempts);
        Assert.Equal(200, delivery.LastStatusCode);
        Assert.StartsWith("evt_", delivery.EventId);
        var received = Assert.Single(receiver.For(delivery.EventId));
        Assert.Contains(Sign(created.Secret!, received), received.Signature.Split(' '));

        var rotated = await Client.Webhooks.RotateSecretAsync(id);
        Assert.StartsWith("whsec_", rotated.Secret);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.NotNull(rotated.Webhook.PreviousSecretExpiresAt);
        Assert.DoesNotContain(rotated.Secret, rotated.ToString());

        var badLimit = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Webhooks.GetDeliveriesAsync(id, limit: 0));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.Status);
        Assert.Contains("limit", badLimit.Errors.Keys);

        await Client.Webhooks.DeleteAsync(id);
        var gone = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Webhooks.GetAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal(ActorOAuthProblemCodes.WebhookNotFound, gone.Code);
        await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Webhooks.RotateSecretAsync(id));
    }

    [Fact]
    public async Task A_check_asks_the_identity_call_with_the_token_and_a_connection_without_one_is_a_409()
    {
        var id = KitFixture.NewId();
        var userInfoUrl = fixture.ThirdParty.BaseUrl + "/userinfo";
        var connected = await Kit.ConnectAsync(id, ActorOAuthTestKit.SandboxSettings with { UserInfoUrl = userInfoUrl });
        Assert.Equal(userInfoUrl, connected.UserInfoUrl);

        var check = await Client.Connections.CheckAsync(id);
        Assert.True(check.Ok, check.Detail);
        Assert.Equal(200, check.Status);
        Assert.False(string.IsNullOrEmpty(check.Detail));
        var call = fixture.ThirdParty.Requests.Last(r => r.PathAndQuery == "/userinfo");
        Assert.Equal(200, call.Status);
        Assert.True(await Kit.Sandbox.IsActiveAsync(call.AccessToken!));

        var withoutIdentityCall = KitFixture.NewId();
        await Kit.ConnectAsync(withoutIdentityCall);
        var unavailable = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Client.Connections.CheckAsync(withoutIdentityCall));
        Assert.Equal(HttpStatusCode.Conflict, unavailable.Status);
        Assert.Equal(ActorOAuthProblemCodes.CheckUnavailable, unavailable.Code);
    }

    [Fact]
    public void The_client_knows_every_webhook_event_type_the_API_sends()
    {
        var known = typeof(WebhookEventTypes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order();
        Assert.Equal(Abstractions.WebhookEventTypes.All.Order(), known);
    }

    /// <summary>The Standard Webhooks signature of a delivery: <c>v1,</c> and the HMAC-SHA256 of <c>{id}.{timestamp}.{body}</c>.</summary>
    private static string Sign(string secret, ReceivedWebhook webhook)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = Encoding.UTF8.GetBytes($"{webhook.Id}.{webhook.Timestamp}.{webhook.Body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }
}
