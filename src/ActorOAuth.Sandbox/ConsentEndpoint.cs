using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace ActorOAuth.Sandbox;

/// <summary>
/// The passthrough of the authorization endpoint: GET shows a consent page, POST approves or denies.
/// OpenIddict has validated the request (client, redirect_uri, scopes, PKCE) before this runs.
/// </summary>
internal static class ConsentEndpoint
{
    public const string ApproveField = "submit.approve";
    public const string DenyField = "submit.deny";
    public const string SubjectId = "sandbox-user";
    public const string SubjectName = "Sandbox User";

    public static async Task<IResult> HandleAsync(HttpContext context, IOpenIddictApplicationManager applications)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict authorization request cannot be retrieved.");

        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;

        if (form is not null && form.ContainsKey(DenyField))
        {
            var properties = new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.AccessDenied,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The sandbox user denied the authorization request.",
            });
            return Results.Forbid(properties, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        if (form is not null && form.ContainsKey(ApproveField))
        {
            return Results.SignIn(CreatePrincipal(request), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted);
        var clientName = application is null ? null : await applications.GetDisplayNameAsync(application, context.RequestAborted);

        return Results.Content(RenderPage(context.Request.Path, request, clientName ?? request.ClientId!), "text/html; charset=utf-8");
    }

    private static ClaimsPrincipal CreatePrincipal(OpenIddictRequest request)
    {
        var identity = new ClaimsIdentity(
            authenticationType: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme,
            nameType: Claims.Name,
            roleType: Claims.Role);

        identity.SetClaim(Claims.Subject, SubjectId)
            .SetClaim(Claims.Name, SubjectName)
            .SetScopes(request.GetScopes());

        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Name => [Destinations.AccessToken, Destinations.IdentityToken],
            _ => [Destinations.AccessToken],
        });

        return new ClaimsPrincipal(identity);
    }

    private static string RenderPage(PathString action, OpenIddictRequest request, string clientName)
    {
        var html = HtmlEncoder.Default;
        var scopes = request.GetScopes();
        var page = new StringBuilder();

        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>Sandbox provider</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}")
            .Append("button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}</style>\n")
            .Append("</head>\n<body>\n<h1>Sandbox provider</h1>\n<p><strong>")
            .Append(html.Encode(clientName))
            .Append("</strong> wants access to:</p>\n<ul>\n");

        foreach (var scope in scopes)
        {
            page.Append("<li>").Append(html.Encode(scope)).Append("</li>\n");
        }

        if (scopes.IsDefaultOrEmpty)
        {
            page.Append("<li>(no scope requested)</li>\n");
        }

        page.Append("</ul>\n<p>You are signed in as ")
            .Append(html.Encode(SubjectName))
            .Append(".</p>\n<form method=\"post\" action=\"")
            .Append(html.Encode(action.Value ?? string.Empty))
            .Append("\">\n");

        foreach (var (name, parameter) in request.GetParameters())
        {
            if (name is ApproveField or DenyField)
            {
                continue;
            }

            foreach (var value in ValuesOf(parameter))
            {
                page.Append("<input type=\"hidden\" name=\"")
                    .Append(html.Encode(name))
                    .Append("\" value=\"")
                    .Append(html.Encode(value))
                    .Append("\">\n");
            }
        }

        page.Append("<button type=\"submit\" id=\"approve\" name=\"").Append(ApproveField).Append("\" value=\"1\">Approve</button>\n")
            .Append("<button type=\"submit\" id=\"deny\" name=\"").Append(DenyField).Append("\" value=\"1\">Deny</button>\n")
            .Append("</form>\n</body>\n</html>\n");

        return page.ToString();
    }

    private static IEnumerable<string> ValuesOf(OpenIddictParameter parameter) =>
        ((StringValues?)parameter ?? StringValues.Empty).OfType<string>();
}
