using System.Text;
using System.Text.Json;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>
/// The body of a delivery, as the contract shows it: <c>{ id, type, at, tenant, connection: { id, status,
/// integration, provider, metadata }, error: { code, message } }</c> (<c>error</c> only when the event has one).
/// Written once per event and kept byte for byte, so every retry sends (and signs) the same body.
/// </summary>
public static class WebhookPayload
{
    private static readonly JsonWriterOptions Options = new() { Indented = false };

    public static string Write(string tenant, string connectionId, OutboxEvent e)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteString("id", e.Id);
            json.WriteString("type", e.Type);
            json.WriteString("at", e.At.ToUniversalTime());
            json.WriteString("tenant", tenant);
            json.WriteStartObject("connection");
            json.WriteString("id", connectionId);
            json.WriteString("status", e.Status.ToString().ToLowerInvariant());
            json.WriteString("integration", e.Integration);
            json.WriteString("provider", e.Provider);
            json.WriteStartObject("metadata");
            foreach (var (key, value) in e.Metadata ?? new Dictionary<string, string>())
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
            if (e.Error is { } error)
            {
                json.WriteStartObject("error");
                json.WriteString("code", error.Code);
                json.WriteString("message", error.Message);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
