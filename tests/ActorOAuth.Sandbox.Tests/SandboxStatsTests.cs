using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Sandbox.Tests;

public sealed class SandboxStatsTests(DefaultLeewaySandboxFixture fixture) : IClassFixture<DefaultLeewaySandboxFixture>
{
    private readonly SandboxDriver _driver = fixture.Driver;

    [Fact]
    public async Task Stats_count_token_requests_by_grant_type()
    {
        var stats = fixture.App.Services.GetRequiredService<SandboxStats>();
        var (tokenRequests, codeRequests, refreshRequests) = (stats.TokenRequests, stats.AuthorizationCodeRequests, stats.RefreshRequests);
        var (introspections, revocations) = (stats.IntrospectionRequests, stats.RevocationRequests);

        var tokens = await _driver.AuthorizeAsync();
        var (status, _) = await _driver.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, status);
        await _driver.RefreshAsync("not-a-refresh-token");
        await _driver.IntrospectAsync(tokens.GetProperty("access_token").GetString()!);
        await _driver.RevokeAsync(tokens.GetProperty("access_token").GetString()!);

        Assert.Equal(tokenRequests + 3, stats.TokenRequests);
        Assert.Equal(codeRequests + 1, stats.AuthorizationCodeRequests);
        Assert.Equal(refreshRequests + 2, stats.RefreshRequests);
        Assert.Equal(introspections + 1, stats.IntrospectionRequests);
        Assert.Equal(revocations + 1, stats.RevocationRequests);
    }

    [Fact]
    public async Task Default_leeway_lets_a_just_rotated_refresh_token_be_used_again()
    {
        var tokens = await _driver.AuthorizeAsync();
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var (rotated, _) = await _driver.RefreshAsync(first);
        var (again, _) = await _driver.RefreshAsync(first);

        Assert.Equal(HttpStatusCode.OK, rotated);
        Assert.Equal(HttpStatusCode.OK, again);
    }

    [Fact]
    public async Task Each_sandbox_has_its_own_client_registration()
    {
        Assert.Equal("another-secret", fixture.Options.ClientSecret);

        var tokens = await _driver.AuthorizeAsync(basicAuth: false);

        Assert.False(string.IsNullOrEmpty(tokens.GetProperty("access_token").GetString()));
    }
}
