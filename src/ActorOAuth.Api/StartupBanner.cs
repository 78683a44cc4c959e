using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api;

/// <summary>Tells whoever started the service where to go.</summary>
public static class StartupBanner
{
    public static void Print(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var options = app.Services.GetRequiredService<IOptions<ActorOAuthOptions>>().Value;
        Console.WriteLine($"ActorOAuth API listening on {string.Join(", ", addresses)} ({app.Environment.EnvironmentName})");
        Console.WriteLine($"  OpenAPI document: {options.PublicBaseUrl.TrimEnd('/')}/openapi/v1.json");
        Console.WriteLine($"  Callback URL to register at providers: {options.CallbackUrl}");
        if (app.Configuration.GetValue<bool>("ActorOAuth:Sandbox:Enabled"))
        {
            Console.WriteLine($"  Sandbox OAuth 2.0 provider: {app.Configuration["ActorOAuth:Sandbox:Urls"]} (client 'actoroauth', PUT a connection with \"provider\": \"sandbox\")");
        }
    }
}
