using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorOAuth.Client;

/// <summary>
/// The one place that sends requests to the ActorOAuth API and reads its answers: JSON in the API's conventions, and
/// every unsuccessful answer thrown as an <see cref="ActorOAuthProblemException"/>. Every sub-client goes through it.
/// </summary>
internal sealed class ActorOAuthHttp(HttpClient http, TimeProvider time)
{
    /// <summary>camelCase, nulls left out (the API refuses unknown properties, not missing ones), unknown members read past.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, body, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    public async Task<(T Value, HttpStatusCode Status)> SendWithStatusAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, body, cancellationToken);
        return (await ReadAsync<T>(response, cancellationToken), response.StatusCode);
    }

    public async Task SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await SendCoreAsync(method, path, body, cancellationToken);
    }

    /// <summary>A path segment: the id escaped, so it can never leave its segment.</summary>
    public static string Segment(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return Uri.EscapeDataString(value);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Json);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await ProblemAsync(response, cancellationToken);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
        ?? throw new ActorOAuthProblemException(response.StatusCode, null, null, "Empty response", "The API answered without a body.");

    private async Task<ActorOAuthProblemException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var retryAfter = RetryAfter(response);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not ("application/problem+json" or "application/json"))
        {
            return new ActorOAuthProblemException(response.StatusCode, null, null, response.ReasonPhrase, "The API answered without problem details.", retryAfter: retryAfter);
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ActorOAuthProblemException(response.StatusCode, null, null, response.ReasonPhrase, "The API answered without problem details.", retryAfter: retryAfter);
            }

            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var errors = new Dictionary<string, string[]>();
            if (root.TryGetProperty("errors", out var errorsElement) && errorsElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errorsElement.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? [.. field.Value.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)]
                        : [field.Value.ToString()];
                }
            }

            string[] known = ["type", "title", "status", "detail", "code", "errors"];
            var extensions = root.EnumerateObject().Where(p => !known.Contains(p.Name)).ToDictionary(p => p.Name, p => p.Value.Clone());
            return new ActorOAuthProblemException(response.StatusCode, Text("code"), Text("type"), Text("title"), Text("detail"), errors, retryAfter, extensions);
        }
        catch (JsonException)
        {
            return new ActorOAuthProblemException(response.StatusCode, null, null, response.ReasonPhrase, "The API answered with a body that is not JSON.", retryAfter: retryAfter);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => response.Headers.TryGetValues("Retry-After", out var values)
             && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null,
    };
}
