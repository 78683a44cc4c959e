using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Connections;
using Microsoft.Extensions.Time.Testing;

namespace ActorOAuth.Grains.Tests;

/// <summary>
/// Connections with the same provider and app hold one instance of each setting's string, whether the settings came in
/// a request or from storage; the client secret is never shared.
/// </summary>
public sealed class SharedStringsTests
{
    private const string Callback = "https://actoroauth.example/callback";

    /// <summary>Every string built anew, as a request's JSON or a stored row gives them.</summary>
    private static string Fresh(string value) => new(value.AsSpan());

    private static ConnectionSettings Settings() => new()
    {
        AuthorizeUrl = Fresh("https://provider.example/authorize"),
        TokenUrl = Fresh("https://provider.example/token"),
        RevokeUrl = Fresh("https://provider.example/revoke"),
        ClientId = Fresh("client"),
        ClientSecret = Fresh("secret"),
        Scopes = [Fresh("files.read"), Fresh("offline_access")],
    };

    private static ConnectionState Saved()
    {
        var state = new ConnectionState();
        new Connection(state, new ConnectionOptions(), new FakeTimeProvider(), new JitterSource()).Save(Settings(), Fresh(Callback), issParameterRequired: false);
        return state;
    }

    [Fact]
    public void Two_connections_saved_with_the_same_settings_hold_one_instance_of_each_string_but_their_own_secret()
    {
        var a = Saved();
        var b = Saved();

        Assert.Equal("https://provider.example/token", b.Settings.TokenUrl);
        Assert.Same(a.Settings.AuthorizeUrl, b.Settings.AuthorizeUrl);
        Assert.Same(a.Settings.TokenUrl, b.Settings.TokenUrl);
        Assert.Same(a.Settings.RevokeUrl, b.Settings.RevokeUrl);
        Assert.Same(a.Settings.ClientId, b.Settings.ClientId);
        Assert.Same(a.CallbackUrl, b.CallbackUrl);
        Assert.Equal(["files.read", "offline_access"], b.Settings.Scopes!);
        Assert.Same(a.Settings.Scopes![0], b.Settings.Scopes![0]);
        Assert.Same(a.Settings.Scopes[1], b.Settings.Scopes[1]);
        Assert.Equal("secret", b.Settings.ClientSecret);
        Assert.NotSame(a.Settings.ClientSecret, b.Settings.ClientSecret);
    }

    [Fact]
    public void A_state_read_from_storage_takes_the_shared_strings_and_keeps_its_values()
    {
        var live = Saved();
        var read = new ConnectionState
        {
            Exists = true,
            Settings = Settings(),
            Given = Settings() with { Integration = Fresh("files-app"), ClientSecret = null },
            CallbackUrl = Fresh(Callback),
        };

        SharedStrings.Share(read);

        Assert.Same(live.Settings.TokenUrl, read.Settings.TokenUrl);
        Assert.Same(live.Settings.Scopes![1], read.Settings.Scopes![1]);
        Assert.Same(live.CallbackUrl, read.CallbackUrl);
        Assert.Same(live.Settings.ClientId, read.Given!.ClientId);
        Assert.Equal("files-app", read.Given.Integration);
        Assert.Equal("secret", read.Settings.ClientSecret);
        Assert.NotSame(live.Settings.ClientSecret, read.Settings.ClientSecret);
        Assert.Null(read.Given.ClientSecret);
    }
}
