using ActorOAuth.Abstractions;
using ActorOAuth.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// Token responses that break RFC 6749's syntax (Appendix A), answered by a stand-in token endpoint while the
/// authorization runs at the real sandbox: a failed exchange or refresh, nothing stored, the field named and the
/// value never repeated.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TokenResponseSyntaxTests(ClusterFixture fixture) : IAsyncLifetime
{
    /// <summary>Every broken value carries this, so no log, error or view may.</summary>
    private const string Marker = "sekrit";

    private OddProvider _odd = null!;

    public static TheoryData<string, string> BrokenResponses => new()
    {
        { "access_token", """{"access_token":"at-sekrit\r\nSet-Cookie: x=1","token_type":"Bearer","expires_in":3600}""" },
        { "access_token", """{"access_token":"at-sekrit\u0000","token_type":"Bearer","expires_in":3600}""" },
        { "access_token", """{"access_token":"at-sekrit-caf\u00e9","token_type":"Bearer","expires_in":3600}""" },
        { "refresh_token", """{"access_token":"good","refresh_token":"rt-sekrit\nX-Forged: 1","token_type":"Bearer","expires_in":3600}""" },
        { "token_type", """{"access_token":"good","token_type":"Bearer\r\nsekrit","expires_in":3600}""" },
        { "token_type", """{"access_token":"good","token_type":"Bearer sekrit","expires_in":3600}""" },
        { "token_type", """{"access_token":"good","token_type":"sekrit;q=1","expires_in":3600}""" },
    };

    [Theory]
    [MemberData(nameof(BrokenResponses))]
    public async Task A_code_exchange_answered_with_a_broken_token_response_fails_and_stores_nothing(string field, string json)
    {
        var key = ClusterFixture.NewKey();
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        await grain.Save(fixture.SandboxSettings() with { TokenUrl = _odd.Answering(json) }, ClusterWithSandbox.RedirectUri);

        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));

        Assert.False(outcome.Succeeded);
        Assert.Equal(CallbackResult.TokenEndpointFailed, outcome.Result);
        Assert.Equal(ProviderClient.InvalidTokenResponse, outcome.ErrorCode);
        var state = await fixture.ReadStateAsync(key);
        Assert.Null(state.Tokens);
        Assert.Equal(ConnectionStatus.Errored, state.Status);
        Assert.Equal(ProviderClient.InvalidTokenResponse, state.LastError?.Code);
        Assert.Contains(field, state.LastError?.Message);
        Assert.Equal("token_exchange_failed", state.Log[^1].Event);
        AssertNoValue(outcome.ErrorDescription, state);
    }

    [Theory]
    [MemberData(nameof(BrokenResponses))]
    public async Task A_refresh_answered_with_a_broken_token_response_keeps_the_old_tokens_and_errors_the_connection(string field, string json)
    {
        var key = ClusterFixture.NewKey();
        var grain = await fixture.ConnectAsync(key);
        var before = (await fixture.ReadStateAsync(key)).Tokens!;
        await grain.Save(fixture.SandboxSettings() with { TokenUrl = _odd.Answering(json) }, ClusterWithSandbox.RedirectUri);
        fixture.Time.Advance(TimeSpan.FromSeconds(10));

        var refused = await Assert.ThrowsAsync<ConnectionProblemException>(async () => await grain.GetAccessToken(forceRefresh: true));

        Assert.Equal(ConnectionProblemKind.Conflict, refused.Kind);
        Assert.DoesNotContain(Marker, refused.Message);
        Assert.Equal(1, fixture.ProviderCalls.RefreshCallsWith(before.RefreshToken!));
        var state = await fixture.ReadStateAsync(key);
        Assert.Equal(before.AccessToken, state.Tokens!.AccessToken);
        Assert.Equal(before.RefreshToken, state.Tokens.RefreshToken);
        Assert.Equal(before.TokenType, state.Tokens.TokenType);
        // Terminal: no retry is scheduled (a rotated refresh token must not be presented again).
        Assert.Equal(ConnectionStatus.Errored, state.Status);
        Assert.True(state.RefreshFailedTerminally);
        Assert.Null(await fixture.ReadReminderAsync(key));
        Assert.Equal(ProviderClient.InvalidTokenResponse, state.LastError?.Code);
        Assert.Contains(field, state.LastError?.Message);
        Assert.Equal("refresh_failed", state.Log[^1].Event);
        AssertNoValue(null, state);
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("DPoP")]
    [InlineData("N_A")]
    [InlineData("mac-1.0")]
    [InlineData("urn:ietf:params:oauth:token-type:jwt")]
    [InlineData("https://token-types.example.com/signed")]
    public async Task A_token_type_that_is_a_type_name_or_an_absolute_uri_is_accepted(string tokenType)
    {
        var key = ClusterFixture.NewKey();
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        var json = $$"""{"access_token":"a.b-c_d~e+f/g= h","token_type":"{{tokenType}}","expires_in":3600}""";
        await grain.Save(fixture.SandboxSettings() with { TokenUrl = _odd.Answering(json) }, ClusterWithSandbox.RedirectUri);

        var outcome = await AuthorizationCallback.Complete(fixture.Grains, await ClusterFixture.ConsentAsync(grain, approve: true));

        Assert.True(outcome.Succeeded, $"{outcome.ErrorCode}: {outcome.ErrorDescription}");
        var token = await grain.GetAccessToken(forceRefresh: false);
        Assert.Equal(tokenType, token.TokenType);
        Assert.Equal("a.b-c_d~e+f/g= h", token.AccessToken);
    }

    private static void AssertNoValue(string? description, ConnectionState state)
    {
        Assert.DoesNotContain(Marker, description ?? "");
        Assert.DoesNotContain(Marker, state.LastError?.Message ?? "");
        Assert.All(state.Log, entry => Assert.DoesNotContain(Marker, entry.Message));
    }

    public async Task InitializeAsync() => _odd = await OddProvider.StartAsync();

    public async Task DisposeAsync() => await _odd.DisposeAsync();
}
