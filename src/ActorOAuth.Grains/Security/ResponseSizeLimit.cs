using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Security;

/// <summary>Reads provider responses into memory up to <see cref="ProviderSecurityOptions.MaxResponseBytes"/>; more is an error.</summary>
public sealed class ResponseSizeLimit(IOptionsMonitor<ProviderSecurityOptions> options) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var limit = options.CurrentValue.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > limit)
        {
            response.Dispose();
            throw new ProviderResponseTooLargeException(limit);
        }

        var buffer = new MemoryStream();
        await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
        {
            var chunk = new byte[8192];
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    response.Dispose();
                    throw new ProviderResponseTooLargeException(limit);
                }

                buffer.Write(chunk, 0, read);
            }
        }

        var content = new ByteArrayContent(buffer.ToArray());
        foreach (var header in response.Content.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        content.Headers.ContentLength = buffer.Length;
        response.Content = content;
        return response;
    }
}
