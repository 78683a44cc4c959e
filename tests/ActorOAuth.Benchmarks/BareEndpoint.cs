namespace ActorOAuth.Benchmarks;

/// <summary>
/// The limit of this machine: a route mapped on the very same ActorOAuth web application (same Kestrel, middleware,
/// API-key authentication and authorization, runtime, GC mode and pinning) that answers at once with a constant body
/// of the size of a real token response and the same cache headers. <see cref="Path"/> has the length of the token
/// route, so requests are the same size too.
/// </summary>
internal sealed class BareEndpoint
{
    public const string Prefix = "/api/bare-tokens/";

    private byte[] _body = [];

    /// <summary>The path of connection <paramref name="id"/>, as long as <c>/api/connections/{id}/token</c>.</summary>
    public static string Path(string id) => $"{Prefix}{id}/token";

    public void Map(WebApplication app) =>
        app.MapPost(Prefix + "{id}/token", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.Pragma = "no-cache";
            return Results.Bytes(_body, "application/json; charset=utf-8");
        }).RequireAuthorization().ExcludeFromDescription();

    public void Answer(byte[] body) => _body = body;
}
