using System.Net.Http.Json;

namespace VendorIntegration;

/// <summary>
/// A vendor's integration code: it uploads files to a third party for one of its customers. It knows nothing of
/// tokens; the <see cref="HttpClient"/> it is given carries the customer's connection token (<c>AddConnectionToken</c>).
/// </summary>
public sealed class FilesIntegration(HttpClient http)
{
    public async Task<string> UploadAsync(string name, string content, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("files", new { name, content }, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }
}
