using System.Globalization;
using ActorOAuth.Abstractions;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>What the pages say: the status lights' words and colours, errors and log events in words a customer reads.</summary>
public static class Wording
{
    /// <summary>The light's words (the contract's: text as well as colour).</summary>
    public static string Light(ConnectionStatus status) => status switch
    {
        ConnectionStatus.Pending => "Not connected",
        ConnectionStatus.Configured => "Connected",
        ConnectionStatus.Used => "Connected and in use",
        ConnectionStatus.Errored => "Needs attention",
        ConnectionStatus.Disconnected => "Disconnected",
        _ => "Unknown",
    };

    /// <summary>The light's colour name, also its CSS class.</summary>
    public static string Colour(ConnectionStatus status) => status switch
    {
        ConnectionStatus.Configured => "yellow",
        ConnectionStatus.Used => "green",
        ConnectionStatus.Errored => "red",
        _ => "grey",
    };

    /// <summary>The wire name of a status (<c>configured</c>), as in <c>data-status</c> and the API.</summary>
    public static string Wire(ConnectionStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Connect for a connection that never held access; Reconnect for one that did or does.</summary>
    public static string ConnectLabel(ConnectionStatus status) => status == ConnectionStatus.Pending ? "Connect" : "Reconnect";

    /// <summary>Whether there is anything to disconnect.</summary>
    public static bool CanDisconnect(ConnectionStatus status) => status is ConnectionStatus.Configured or ConnectionStatus.Used or ConnectionStatus.Errored;

    /// <summary>What the last error means, in a sentence; its message follows as it was reported or received.</summary>
    public static string Error(ConnectionError error) => error.Code switch
    {
        "access_denied" => "Access was not granted at the provider, so nothing was connected.",
        "invalid_grant" => "The provider no longer accepts this connection's access. Reconnect to renew it.",
        "invalid_client" or "unauthorized_client" => "The provider did not accept the application's credentials. The application's owner needs to check its settings.",
        "unauthorized" => "The provider refused a request made with this connection. Reconnect to renew its access.",
        "invalid_scope" => "The provider did not accept the permissions asked for.",
        "issuer_mismatch" => "An answer did not come from the expected provider, so it was refused.",
        "temporarily_unavailable" or "server_error" or "timeout" or "network_error" => "The provider could not be reached for a while. It is tried again by itself.",
        _ when error.Code.StartsWith("http_", StringComparison.Ordinal) => "The provider answered with an error.",
        _ => "Something went wrong with this connection.",
    };

    /// <summary>A log event in words: <c>token_exchanged</c> is "Token exchanged".</summary>
    public static string Event(string name) => name switch
    {
        "authorize_started" => "Connection started",
        "callback_received" => "Came back from the provider",
        "used" => "Used by the application",
        "error_reported" => "Error reported by the application",
        _ when name.Length > 0 => char.ToUpperInvariant(name[0]) + name[1..].Replace('_', ' '),
        _ => name,
    };

    /// <summary>A time as customers read it: "1 December 2026, 22:52 UTC".</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
