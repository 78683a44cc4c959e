using ActorOAuth.Abstractions;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Grains.Tests;

public sealed class ClusterFixture : ClusterWithSandbox, IAsyncLifetime
{
    private static int _next;

    /// <summary>A fresh connection key per test.</summary>
    public static string NewKey(string tenant = "tenant-a") => ConnectionKeys.For(tenant, $"conn-{Interlocked.Increment(ref _next)}");

    /// <summary>Starts an authorization and answers the consent page; returns what the browser would bring to /callback.</summary>
    public static async Task<CallbackRequest> ConsentAsync(IConnectionGrain grain, bool approve)
    {
        var start = await grain.Authorize(RedirectUri, null);
        var location = await RunningSandbox.ConsentAsync(start.AuthorizationUrl, approve);
        return ToCallback(location);
    }

    public static CallbackRequest ToCallback(Uri location)
    {
        var query = QueryHelpers.ParseQuery(location.Query);
        string? Get(string name) => query.TryGetValue(name, out var v) ? v.ToString() : null;
        return new CallbackRequest(Get("state")!, Get("code"), Get("error"), Get("error_description"), Get("iss"));
    }

    Task IAsyncLifetime.InitializeAsync() => InitializeAsync();

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>Connecting through the sandbox, for every cluster fixture.</summary>
public static class SandboxConnections
{
    public static ConnectionSettings SandboxSettings(this ClusterWithSandbox fixture, bool pkce = true, string? tokenAuthMethod = null) => new()
    {
        AuthorizeUrl = fixture.Sandbox.AuthorizeUrl,
        TokenUrl = fixture.Sandbox.TokenUrl,
        RevokeUrl = fixture.Sandbox.RevokeUrl,
        ClientId = RunningSandbox.ClientId,
        ClientSecret = RunningSandbox.ClientSecret,
        Scopes = ["files.read", "offline_access"],
        Pkce = pkce,
        TokenAuthMethod = tokenAuthMethod,
    };

    /// <summary>Saves, authorizes, approves at the sandbox and completes the callback.</summary>
    public static async Task<IConnectionGrain> ConnectAsync(this ClusterWithSandbox fixture, string key, ConnectionSettings? settings = null)
    {
        var grain = fixture.Grains.GetGrain<IConnectionGrain>(key);
        await grain.Save(settings ?? fixture.SandboxSettings(), ClusterWithSandbox.RedirectUri);
        var callback = await ClusterFixture.ConsentAsync(grain, approve: true);
        var outcome = await AuthorizationCallback.Complete(fixture.Grains, callback);
        Assert.True(outcome.Succeeded, $"{outcome.ErrorCode}: {outcome.ErrorDescription}");
        return grain;
    }
}
