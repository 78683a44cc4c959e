using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using StandardWebhooks;

namespace ActorOAuth.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class WebhookApiTests(ApiFixture fixture) : IAsyncLifetime
{
    private static int _next;
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static string NewId() => $"hook-{Interlocked.Increment(ref _next)}";

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task AssertNotFound(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(ProblemCodes.WebhookNotFound, (await Json(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_webhook_shows_its_secret_only_when_created_or_rotated_and_can_be_listed_changed_and_deleted()
    {
        using var api = fixture.Client(ApiFixture.KeyB);
        var id = NewId();

        var created = await api.PutAsJsonAsync($"/api/webhooks/{id}", new { url = _receiver.Url, events = new[] { WebhookEventTypes.Errored } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Json(created);
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret);
        Assert.Equal([WebhookEventTypes.Errored], body.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        var read = await (await api.GetAsync($"/api/webhooks/{id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, read);
        Assert.DoesNotContain("\"secret\"", read);
        var list = await Json(await api.GetAsync("/api/webhooks"));
        Assert.Contains(list.GetProperty("items").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        Assert.DoesNotContain(secret, list.ToString());

        var updated = await api.PutAsJsonAsync($"/api/webhooks/{id}", new { url = _receiver.Url + "/v2" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var updatedBody = await Json(updated);
        Assert.False(updatedBody.TryGetProperty("secret", out _));
        Assert.Equal(JsonValueKind.Null, updatedBody.GetProperty("events").ValueKind);
        Assert.Equal(_receiver.Url + "/v2", updatedBody.GetProperty("url").GetString());

        var rotated = await Json(await api.PostAsync($"/api/webhooks/{id}/rotate-secret", null));
        Assert.StartsWith("whsec_", rotated.GetProperty("secret").GetString());
        Assert.NotEqual(secret, rotated.GetProperty("secret").GetString());
        Assert.True(rotated.GetProperty("previousSecretExpiresAt").GetDateTimeOffset() > fixture.Time.GetUtcNow() + TimeSpan.FromHours(23));

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/webhooks/{id}")).StatusCode);
        await AssertNotFound(await api.GetAsync($"/api/webhooks/{id}"));
        await AssertNotFound(await api.DeleteAsync($"/api/webhooks/{id}"));
        await AssertNotFound(await api.PostAsync($"/api/webhooks/{id}/rotate-secret", null));
        await AssertNotFound(await api.GetAsync($"/api/webhooks/{id}/deliveries"));
    }

    public static TheoryData<string, string> RefusedUrls => new()
    {
        { "https://10.0.0.7/hooks", "Private" },
        { "https://169.254.169.254/latest/meta-data", "cloud-metadata" },
        { "http://[fd00::1]/hooks", "https" },
        { "https://[fd00::1]/hooks", "Private" },
        { "ftp://hooks.example.com/", "scheme" },
        { "https://user:pw@hooks.example.com/", "user info" },
        { "https://hooks.example.com/#x", "fragment" },
        { "hooks.example.com", "absolute" },
        { "https://0.0.0.0/hooks", "Private" },
    };

    [Theory]
    [MemberData(nameof(RefusedUrls))]
    public async Task A_webhook_url_the_provider_rules_refuse_is_a_400_naming_the_url(string url, string reason)
    {
        using var api = fixture.Client();
        var id = NewId();

        var response = await api.PutAsJsonAsync($"/api/webhooks/{id}", new { url });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await Json(response)).GetProperty("errors").GetProperty("url")[0].GetString(), StringComparison.OrdinalIgnoreCase);
        await AssertNotFound(await api.GetAsync($"/api/webhooks/{id}"));
    }

    [Theory]
    [InlineData("{\"url\":\"http://127.0.0.1:9/h\",\"events\":[]}", "events")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/h\",\"events\":[\"connection.refreshed\"]}", "events")]
    [InlineData("{\"events\":[\"connection.errored\"]}", "url")]
    [InlineData("{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"whsec_mine\"}", null)]
    public async Task A_webhook_body_that_is_not_valid_is_a_400(string body, string? field)
    {
        using var api = fixture.Client();

        var response = await api.PutAsync($"/api/webhooks/{NewId()}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        if (field is not null)
        {
            Assert.True((await Json(response)).GetProperty("errors").TryGetProperty(field, out _));
        }
    }

    [Fact]
    public async Task A_tenant_sees_only_its_own_webhooks_and_hears_only_of_its_own_connections()
    {
        using var a = fixture.Client(ApiFixture.KeyA);
        using var c = fixture.Client(ApiFixture.KeyC);
        await using var other = await WebhookReceiver.StartAsync();
        var id = NewId();
        var secret = (await Json(await a.PutAsJsonAsync($"/api/webhooks/{id}", new { url = _receiver.Url }))).GetProperty("secret").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await c.PutAsJsonAsync($"/api/webhooks/{id}", new { url = other.Url })).StatusCode);
        Assert.Equal(other.Url, (await Json(await c.GetAsync($"/api/webhooks/{id}"))).GetProperty("url").GetString());
        var connection = ApiFixture.NewId();

        (await fixture.ConnectAsync(a, connection)).EnsureSuccessStatusCode();

        await ClusterWithSandbox.Eventually(() => Task.FromResult(_receiver.Received.Count == 1), because: "tenant a's receiver hears of the connect");
        var received = _receiver.Received[0];
        Assert.Equal(WebhookEventTypes.Authorized, received.Type);
        Assert.Equal("tenant-a", received.Json.GetProperty("tenant").GetString());
        Assert.Equal(connection, received.Json.GetProperty("connection").GetProperty("id").GetString());
        Assert.Contains(new StandardWebhook(secret).Sign(received.Id, DateTimeOffset.FromUnixTimeSeconds(received.Timestamp), received.Body), received.Signature.Split(' '));
        var token = (await Json(await a.PostAsJsonAsync($"/api/connections/{connection}/token", new { }))).GetProperty("accessToken").GetString()!;
        Assert.DoesNotContain(token, received.Body);
        Assert.Empty(other.Received);

        JsonElement delivery = default;
        await ClusterWithSandbox.Eventually(async () =>
        {
            delivery = (await Json(await a.GetAsync($"/api/webhooks/{id}/deliveries?limit=10"))).GetProperty("items")[0];
            return delivery.GetProperty("status").GetString() == "delivered";
        }, because: "the delivery log shows it delivered");
        Assert.Equal(received.Id, delivery.GetProperty("eventId").GetString());
        Assert.Equal(WebhookEventTypes.Authorized, delivery.GetProperty("type").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(200, delivery.GetProperty("lastStatusCode").GetInt32());
        Assert.Empty((await Json(await c.GetAsync($"/api/webhooks/{id}/deliveries"))).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await a.GetAsync($"/api/webhooks/{id}/deliveries?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.Client(null).GetAsync("/api/webhooks")).StatusCode);
    }

    [Fact]
    public async Task The_token_endpoint_counts_hand_outs_and_their_latency()
    {
        using var metrics = new MetricsRecorder();
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await fixture.ConnectAsync(api, id)).EnsureSuccessStatusCode();
        var handedOut = metrics.Sum("actoroauth.token.handouts");
        var timed = metrics.Count("actoroauth.token.handout.duration");

        for (var i = 0; i < 3; i++)
        {
            (await api.PostAsJsonAsync($"/api/connections/{id}/token", new { })).EnsureSuccessStatusCode();
        }

        Assert.True(metrics.Sum("actoroauth.token.handouts") >= handedOut + 3);
        Assert.True(metrics.Count("actoroauth.token.handout.duration") >= timed + 3);
    }

    [Theory]
    [InlineData("/metrics")]
    [InlineData("/dashboard")]
    [InlineData("/dashboard/DashboardCounters")]
    public async Task Metrics_and_the_dashboard_are_off_by_default(string path)
    {
        using var api = fixture.Client(null);

        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync(path)).StatusCode);
    }
}
