using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Sandbox.Tests;

/// <summary>
/// A sandbox started on a free loopback port with a real Kestrel, shared by the tests of a class.
/// Rotated refresh tokens die at once (no reuse leeway).
/// </summary>
public class SandboxFixture : IAsyncLifetime
{
    public const string RedirectUri = "http://127.0.0.1:5999/callback";

    public virtual SandboxOptions Options { get; } = new()
    {
        Urls = "http://127.0.0.1:0",
        RedirectUris = [RedirectUri],
        AccessTokenLifetime = TimeSpan.FromMinutes(20),
        RefreshTokenReuseLeeway = TimeSpan.Zero,
    };

    public WebApplication App { get; private set; } = null!;

    public SandboxDriver Driver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        (App, Driver) = await StartAsync(Options);
    }

    public async Task DisposeAsync()
    {
        Driver.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public static async Task<(WebApplication App, SandboxDriver Driver)> StartAsync(SandboxOptions options)
    {
        var app = SandboxServer.Build(options, ["--Logging:LogLevel:Default=Warning"]);
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new SandboxDriver(new Uri(address), options.ClientId, options.ClientSecret, RedirectUri));
    }
}

/// <summary>
/// A second sandbox, with its own database, a different secret and the default reuse leeway.
/// </summary>
public sealed class DefaultLeewaySandboxFixture : SandboxFixture
{
    public override SandboxOptions Options { get; } = new()
    {
        Urls = "http://127.0.0.1:0",
        ClientSecret = "another-secret",
        RedirectUris = [RedirectUri],
    };
}
