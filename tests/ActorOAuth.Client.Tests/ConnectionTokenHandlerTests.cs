using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Client.Tests;

[Collection(KitCollection.Name)]
public sealed class ConnectionTokenHandlerTests(KitFixture fixture)
{
    private ActorOAuthTestKit Kit => fixture.Kit;

    [Fact]
    public async Task The_handler_attaches_the_token_and_reuses_it_until_shortly_before_it_expires()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);
        await using var integration = Integration(id);
        var files = integration.Files();

        Assert.Equal(HttpStatusCode.OK, (await files.GetAsync("files/1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await files.GetAsync("files/2")).StatusCode);
        Assert.Equal(1, integration.TokenFetches);
        var first = ThirdPartyTokens(id).Last();

        // Within the default 60 seconds before expiry the cached token is not used any more.
        var expiresAt = (await Kit.Client.Connections.GetAsync(id)).AccessTokenExpiresAt!.Value;
        Kit.Time.Advance(expiresAt - Kit.Time.GetUtcNow() - TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await files.GetAsync("files/3")).StatusCode);
        Assert.Equal(2, integration.TokenFetches);
        Assert.NotEqual(first, ThirdPartyTokens(id).Last());
    }

    [Fact]
    public async Task A_401_is_reported_then_a_refreshed_token_is_fetched_and_the_request_sent_once_more_with_its_body()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);
        PastForcedRefreshDebounce();
        await using var integration = Integration(id);
        var files = integration.Files();
        Assert.Equal(HttpStatusCode.OK, (await files.GetAsync("files")).StatusCode);
        var refreshesBefore = Kit.Sandbox.Stats.RefreshRequests;
        var rejected = ThirdPartyTokens(id).Last();

        await Kit.RevokeAccessTokenAsync(id);
        // A stream that can be read once: only the handler's buffering lets the request go out a second time.
        var body = new StreamContent(new ReadOnceStream("{\"name\":\"report.pdf\"}"u8.ToArray()));
        var answer = await files.PostAsync("files", body);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var echoed = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("{\"name\":\"report.pdf\"}", echoed.GetProperty("body").GetString());
        var posts = fixture.ThirdParty.Requests.Where(r => r.Method == "POST" && r.AccessToken is { } t && ThirdPartyTokens(id).Contains(t)).ToList();
        Assert.Equal([401, 200], posts.Select(r => r.Status));
        Assert.Equal(rejected, posts[0].AccessToken);
        Assert.NotEqual(rejected, posts[1].AccessToken);
        Assert.All(posts, p => Assert.Equal("{\"name\":\"report.pdf\"}", p.Body));
        Assert.Equal(refreshesBefore + 1, Kit.Sandbox.Stats.RefreshRequests);

        var logs = await Kit.Client.Connections.GetLogsAsync(id, 200);
        var report = Assert.Single(logs, e => e.Event == "error_reported");
        Assert.Contains("unauthorized", report.Message);
        var connection = await Kit.Client.Connections.GetAsync(id);
        Assert.Equal(ConnectionStatus.Used, connection.Status);
        Assert.Equal(3, integration.TokenFetches + integration.ErrorReports);
    }

    [Fact]
    public async Task A_second_401_is_returned_as_it_is_after_one_report_and_one_refresh()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);
        PastForcedRefreshDebounce();
        var thirdParty = new AlwaysUnauthorized();
        await using var integration = Integration(id, thirdParty);

        var answer = await integration.Files().GetAsync("files");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(2, thirdParty.Calls);
        Assert.Equal(1, integration.ErrorReports);
        Assert.Equal(2, integration.TokenFetches);
        Assert.NotEqual(thirdParty.Tokens[0], thirdParty.Tokens[1]);
    }

    [Fact]
    public async Task Concurrent_401s_for_the_same_token_lead_to_one_report_and_one_refresh()
    {
        var id = KitFixture.NewId();
        await Kit.ConnectAsync(id);
        PastForcedRefreshDebounce();
        await using var integration = Integration(id);
        var files = integration.Files();
        Assert.Equal(HttpStatusCode.OK, (await files.GetAsync("files")).StatusCode);
        await Kit.RevokeAccessTokenAsync(id);
        var refreshesBefore = Kit.Sandbox.Stats.RefreshRequests;

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => files.GetAsync($"files/{i}")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal(1, integration.ErrorReports);
        Assert.Equal(refreshesBefore + 1, Kit.Sandbox.Stats.RefreshRequests);
    }

    [Fact]
    public async Task A_connection_without_a_usable_token_makes_the_request_throw_its_problem_before_the_third_party_is_called()
    {
        var id = KitFixture.NewId();
        await Kit.Client.Connections.PutAsync(id, ActorOAuthTestKit.SandboxSettings);
        var thirdParty = new AlwaysUnauthorized();
        await using var integration = Integration(id, thirdParty);

        var problem = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => integration.Files().GetAsync("files"));

        Assert.Equal(ActorOAuthProblemCodes.ConnectionPending, problem.Code);
        Assert.Equal(0, thirdParty.Calls);
    }

    /// <summary>
    /// Moves time past the server's forced-refresh debounce (5 s after tokens are issued, within which a forced refresh
    /// hands out the current tokens again), as real time would have passed between a connect and the third party's 401.
    /// </summary>
    private void PastForcedRefreshDebounce() => Kit.Time.Advance(TimeSpan.FromSeconds(10));

    private IReadOnlyList<string> ThirdPartyTokens(string id) =>
        [.. fixture.ThirdParty.Requests.Select(r => r.AccessToken).OfType<string>().Distinct()];

    /// <summary>A vendor's integration: its own DI container, the ActorOAuth client on the kit's clock, and a "files" client with the handler.</summary>
    private Integration Integration(string connectionId, HttpMessageHandler? thirdParty = null)
    {
        var counter = new ApiCallCounter();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Kit.Time);
        services.AddActorOAuthClient(Kit.ConfigureClient).AddHttpMessageHandler(() => counter);
        var files = services.AddHttpClient("files", c => c.BaseAddress = new Uri(fixture.ThirdParty.BaseUrl + "/")).AddConnectionToken(connectionId);
        if (thirdParty is not null)
        {
            files.ConfigurePrimaryHttpMessageHandler(() => thirdParty);
        }

        return new Integration(services.BuildServiceProvider(), counter);
    }
}

internal sealed class ReadOnceStream(byte[] bytes) : Stream
{
    private readonly MemoryStream _inner = new(bytes);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal sealed class Integration(ServiceProvider services, ApiCallCounter counter) : IAsyncDisposable
{
    public int TokenFetches => counter.Count("/token");

    public int ErrorReports => counter.Count("/errors");

    public HttpClient Files() => services.GetRequiredService<IHttpClientFactory>().CreateClient("files");

    public ValueTask DisposeAsync() => services.DisposeAsync();
}

/// <summary>Counts the ActorOAuth API calls of one integration, by the end of their path.</summary>
internal sealed class ApiCallCounter : DelegatingHandler
{
    private readonly List<string> _paths = [];

    public int Count(string suffix)
    {
        lock (_paths)
        {
            return _paths.Count(p => p.EndsWith(suffix, StringComparison.Ordinal));
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_paths)
        {
            _paths.Add(request.RequestUri!.AbsolutePath);
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A third party that refuses every token: the one behaviour the stand-in, which accepts refreshed tokens, cannot show.</summary>
internal sealed class AlwaysUnauthorized : HttpMessageHandler
{
    private readonly List<string> _tokens = [];

    public int Calls
    {
        get
        {
            lock (_tokens)
            {
                return _tokens.Count;
            }
        }
    }

    public IReadOnlyList<string> Tokens
    {
        get
        {
            lock (_tokens)
            {
                return [.. _tokens];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_tokens)
        {
            _tokens.Add(request.Headers.Authorization?.Parameter ?? "");
        }

        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Unauthorized) { RequestMessage = request });
    }
}
