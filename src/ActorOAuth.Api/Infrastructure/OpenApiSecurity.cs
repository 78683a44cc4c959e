using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>Describes the API-key bearer scheme in the OpenAPI document.</summary>
public sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key; it selects the tenant.",
        };
        document.Info.Title = "ActorOAuth";
        document.Info.Description = "OAuth 2.0 connection manager: connections, authorization, token hand-out, logs.";
        return Task.CompletedTask;
    }
}
