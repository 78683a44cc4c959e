using System.Text.Json.Nodes;
using ActorOAuth.Abstractions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>Describes the API-key bearer scheme and the problem codes in the OpenAPI document.</summary>
public sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    /// <summary>The name of the API-key bearer scheme in the document's components.</summary>
    public const string SchemeName = "ApiKey";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key; it selects the tenant.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas["ProblemCode"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "The `code` member of every problem response: what a caller branches on. 409: connection_pending, " +
                "connection_disconnected, connection_errored, reauthorization_required. 503 (with Retry-After): refresh_backing_off, " +
                "storage_unavailable (nothing was changed), storage_conflict, cluster_unavailable.",
            Enum = [.. ProblemCodes.All.Select(code => (JsonNode)JsonValue.Create(code))],
        };
        document.Info.Title = "ActorOAuth";
        document.Info.Description = "OAuth 2.0 connection manager: connections, authorization, token hand-out, logs. Every problem response " +
            "(application/problem+json) carries a machine-readable `code`: " + string.Join(", ", ProblemCodes.All) + " (schema ProblemCode).";
        return Task.CompletedTask;
    }
}
