using Scalar.AspNetCore;

namespace ActorOAuth.Api.Infrastructure;

/// <summary><c>/docs</c>: the interactive API reference (Scalar) over the OpenAPI document, to try the whole flow from a browser.</summary>
public static class ApiReference
{
    public const string Path = "/docs";

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder routes)
    {
        routes.MapScalarApiReference(Path, o => o
            .WithTitle("ActorOAuth API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddPreferredSecuritySchemes(OpenApiSecurity.SchemeName));
        return routes;
    }
}
