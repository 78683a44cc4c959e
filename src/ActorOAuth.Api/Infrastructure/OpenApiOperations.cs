using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// Per operation: a summary (by operation id, where the endpoint gives none) and, on every <c>/api/*</c> operation, the
/// API-key bearer scheme as a requirement, so the interactive reference at <c>/docs</c> sends the key.
/// </summary>
public sealed class OpenApiOperations : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Summaries = new(StringComparer.Ordinal)
    {
        ["ListConnections"] = "List the tenant's connections (filtered, paged)",
        ["PutConnection"] = "Create a connection or update its settings",
        ["GetConnection"] = "Read a connection",
        ["DeleteConnection"] = "Disconnect and forget a connection",
        ["AuthorizeConnection"] = "Start an authorization: the URL to send the customer's browser to",
        ["GetAccessToken"] = "Hand out a valid access token (marks the connection used)",
        ["ReportConnectionError"] = "Report a connection error from an execution",
        ["DisconnectConnection"] = "Disconnect: revoke and delete the tokens",
        ["GetConnectionLogs"] = "Read a connection's log, newest first",
        ["GetCallbackUrl"] = "The callback URL to register at the provider",
        ["CreateConnectSession"] = "Mint a connect-page link for a customer's connections",
        ["RevokeConnectSession"] = "Revoke a connect-page link",
        ["CheckConnection"] = "Ask the provider whether the access token still works",
        ["ListIntegrations"] = "List the tenant's integrations (OAuth apps)",
        ["PutIntegration"] = "Create an integration or update its app settings (the client secret is write-only)",
        ["GetIntegration"] = "Read an integration (never its client secret)",
        ["DeleteIntegration"] = "Delete an integration no connection uses",
        ["ListProviders"] = "List the provider catalog",
        ["GetProvider"] = "Read one provider catalog entry",
        ["ListWebhooks"] = "List the tenant's webhooks (never their secrets)",
        ["PutWebhook"] = "Create a webhook or change its URL and events (the secret is shown on creation only)",
        ["GetWebhook"] = "Read a webhook",
        ["DeleteWebhook"] = "Delete a webhook and its waiting deliveries",
        ["RotateWebhookSecret"] = "Rotate a webhook's signing secret (the old one signs too for the overlap)",
        ["GetWebhookDeliveries"] = "Read a webhook's delivery log, newest first",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(operation.Summary) && operation.OperationId is { } id && Summaries.TryGetValue(id, out var summary))
        {
            operation.Summary = summary;
        }

        if (context.Description.RelativePath is { } path && path.StartsWith("api/", StringComparison.Ordinal))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiSecurity.SchemeName, context.Document)] = [] });
        }

        return Task.CompletedTask;
    }
}
