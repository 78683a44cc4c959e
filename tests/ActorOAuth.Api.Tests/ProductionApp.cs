using ActorOAuth.Testing;
using Microsoft.AspNetCore.Builder;

namespace ActorOAuth.Api.Tests;

/// <summary>The API as production builds it: embedded, on free ports, quiet.</summary>
internal static class ProductionApp
{
    /// <summary>The app with <paramref name="settings"/> (<c>--key=value</c>) on top, not started.</summary>
    public static WebApplication Build(params string[] settings) => ActorOAuthApp.Build(
    [
        "--environment=Production",
        $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
        $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
        $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
        "--Logging:LogLevel:Default=None",
        .. settings,
    ]);
}
