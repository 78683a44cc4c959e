using Microsoft.AspNetCore.Builder;

namespace ActorOAuth.Testing;

/// <summary>How <see cref="ActorOAuthTestKit.StartAsync"/> sets up ActorOAuth for a test.</summary>
public sealed class ActorOAuthTestKitOptions
{
    /// <summary>The tenant the kit's API key belongs to. Default <c>test</c>.</summary>
    public string Tenant { get; set; } = "test";

    /// <summary>The API key of <see cref="Tenant"/> (plain text; a test key). Default <c>test-key</c>.</summary>
    public string ApiKey { get; set; } = "test-key";

    /// <summary>The lifetime of the sandbox's access tokens (<c>expires_in</c>). Default one hour.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Silos of the in-process cluster. Default 1.</summary>
    public int Silos { get; set; } = 1;

    /// <summary>
    /// Extra settings of the API (and of the grains it reaches), as configuration keys, e.g.
    /// <c>["ActorOAuth:Connections:ForcedRefreshDebounce"] = "00:00:00"</c>. Default: none.
    /// </summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A last say over the API's host (logging, services) before it is built. Default: none.</summary>
    public Action<WebApplicationBuilder>? ConfigureApi { get; set; }
}
