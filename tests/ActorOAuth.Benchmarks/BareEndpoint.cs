using ActorOAuth.Api.Connections.Handout;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The limit of this machine: a route mapped on the very same ActorOAuth web application (same Kestrel, middleware,
/// API-key authentication and authorization, runtime, GC mode and pinning) that answers at once with a constant body
/// of the size of a real token response, written the way the token route writes its responses (<see cref="TokenBody"/>:
/// the same headers, the same writer). <see cref="Path"/> has the length of the token route, so requests are the same
/// size too.
/// </summary>
internal sealed class BareEndpoint
{
    public const string Prefix = "/api/bare-tokens/";

    private IResult _answer = new TokenBody([]);

    /// <summary>The path of connection <paramref name="id"/>, as long as <c>/api/connections/{id}/token</c>.</summary>
    public static string Path(string id) => $"{Prefix}{id}/token";

    public void Map(WebApplication app) =>
        app.MapPost(Prefix + "{id}/token", () => _answer).RequireAuthorization().ExcludeFromDescription();

    public void Answer(byte[] body) => _answer = new TokenBody(body);
}
