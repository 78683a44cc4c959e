using System.Text.Json;
using ActorOAuth.Abstractions;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Connections.Handout;

/// <summary>
/// A token response made once and written as it is: the UTF-8 JSON of a <see cref="TokenResponse"/>, its length, and
/// the headers every token response carries. Writing it allocates nothing, so a hand-out served from memory can be
/// answered again and again by the same object.
/// </summary>
public sealed class TokenBody(byte[] utf8) : IResult
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public ReadOnlyMemory<byte> Utf8 => utf8;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = utf8.Length;
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        var write = response.BodyWriter.WriteAsync(utf8);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : write.AsTask();
    }
}

/// <summary>The API's token response for a hand-out, in the API's JSON settings: the same bytes whichever path served it.</summary>
public sealed class TokenRenderer(IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    /// <summary>What the HTTP contract answers for a hand-out.</summary>
    public static TokenResponse Response(AccessTokenResult token) => new(token.AccessToken, token.TokenType, token.ExpiresAt, token.Scopes, token.Config);

    public TokenBody Render(AccessTokenResult token) => new(JsonSerializer.SerializeToUtf8Bytes(Response(token), _options));
}
