using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ActorOAuth.Client.Connections;

/// <inheritdoc />
internal sealed class ConnectionsClient(ActorOAuthHttp http) : IConnectionsClient
{
    private const string Base = "api/connections";

    public async Task<SavedConnection> PutAsync(string id, ConnectionSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var (view, status) = await http.SendWithStatusAsync<ConnectionView>(HttpMethod.Put, One(id), settings, cancellationToken);
        return new SavedConnection(view, status == HttpStatusCode.Created);
    }

    public Task<ConnectionView> GetAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync<ConnectionView>(HttpMethod.Get, One(id), null, cancellationToken);

    public Task<ConnectionPage> ListAsync(ConnectionQuery? query = null, CancellationToken cancellationToken = default) =>
        http.SendAsync<ConnectionPage>(HttpMethod.Get, Base + QueryString(query), null, cancellationToken);

    public async IAsyncEnumerable<ConnectionView> ListAllAsync(ConnectionQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var page = query ?? new ConnectionQuery();
        while (true)
        {
            var result = await ListAsync(page, cancellationToken);
            foreach (var connection in result.Items)
            {
                yield return connection;
            }

            if (result.Next is null)
            {
                yield break;
            }

            page = page with { Cursor = result.Next };
        }
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Delete, One(id), null, cancellationToken);

    public Task<AuthorizationStart> AuthorizeAsync(string id, string? returnUrl = null, CancellationToken cancellationToken = default) =>
        http.SendAsync<AuthorizationStart>(HttpMethod.Post, One(id) + "/authorize", new AuthorizeRequest(returnUrl), cancellationToken);

    public Task<ConnectionToken> GetTokenAsync(string id, bool forceRefresh = false, CancellationToken cancellationToken = default) =>
        http.SendAsync<ConnectionToken>(HttpMethod.Post, One(id) + "/token", new TokenRequest(forceRefresh), cancellationToken);

    public Task ReportErrorAsync(string id, string code, string? message = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        return http.SendAsync(HttpMethod.Post, One(id) + "/errors", new ErrorReport(code, message), cancellationToken);
    }

    public Task<ConnectionCheck> CheckAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync<ConnectionCheck>(HttpMethod.Post, One(id) + "/check", null, cancellationToken);

    public Task<ConnectionView> DisconnectAsync(string id, CancellationToken cancellationToken = default) =>
        http.SendAsync<ConnectionView>(HttpMethod.Post, One(id) + "/disconnect", null, cancellationToken);

    public async Task<IReadOnlyList<ConnectionLogEntry>> GetLogsAsync(string id, int? limit = null, CancellationToken cancellationToken = default)
    {
        var path = One(id) + "/logs" + (limit is { } n ? "?limit=" + n.ToString(CultureInfo.InvariantCulture) : "");
        return (await http.SendAsync<LogsResponse>(HttpMethod.Get, path, null, cancellationToken)).Items;
    }

    private static string One(string id) => Base + "/" + ActorOAuthHttp.Segment(id);

    private static string QueryString(ConnectionQuery? query)
    {
        if (query is null)
        {
            return "";
        }

        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("status", query.Status is { } status ? JsonSerializer.Serialize(status).Trim('"') : null);
        Add("provider", query.Provider);
        Add("integration", query.Integration);
        foreach (var (key, value) in query.Metadata ?? new Dictionary<string, string>())
        {
            Add("metadata." + key, value);
        }

        Add("cursor", query.Cursor);
        Add("limit", query.Limit?.ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "" : new StringBuilder("?").AppendJoin('&', parts).ToString();
    }

    private sealed record AuthorizeRequest(string? ReturnUrl);

    private sealed record TokenRequest(bool ForceRefresh);

    private sealed record ErrorReport(string Code, string? Message);

    private sealed record LogsResponse(IReadOnlyList<ConnectionLogEntry> Items);
}
