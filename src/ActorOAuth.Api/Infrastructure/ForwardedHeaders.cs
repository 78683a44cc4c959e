using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ActorOAuth.Api.Infrastructure;

/// <summary>
/// Which proxies in front of the API (an ingress controller, a load balancer) may tell it the client's address and
/// scheme, section <c>ActorOAuth:ForwardedHeaders</c>. Only a request that comes from one of them has its
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> honoured (through a chain of such proxies, up to the first
/// address that is not one), so per-address rate limits see the customer rather than the proxy, and nobody else can
/// choose the address they are counted under. Default: none; forwarded headers are ignored.
/// </summary>
public sealed class TrustedProxyOptions
{
    public const string Section = "ActorOAuth:ForwardedHeaders";

    /// <summary>CIDR ranges the proxies' addresses are in, e.g. the ingress controller's pod network <c>10.244.0.0/16</c>. Default: none.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Single proxy addresses, e.g. <c>10.0.0.5</c>. Default: none.</summary>
    public List<string> KnownProxies { get; set; } = [];
}

public static class ForwardedHeadersExtensions
{
    /// <summary>
    /// Honours forwarded headers from the configured proxies only (<see cref="TrustedProxyOptions"/>); adds nothing
    /// when none is configured. Throws at start, naming the key, when a range or address does not parse.
    /// </summary>
    public static WebApplication UseActorOAuthForwardedHeaders(this WebApplication app)
    {
        var settings = app.Configuration.GetSection(TrustedProxyOptions.Section).Get<TrustedProxyOptions>() ?? new TrustedProxyOptions();
        if (settings.KnownNetworks.Count == 0 && settings.KnownProxies.Count == 0)
        {
            return app;
        }

        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // Walk back through every trusted proxy of a chain; the first address that is not one is the client.
            ForwardLimit = null,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        var problems = new List<string>();
        for (var i = 0; i < settings.KnownNetworks.Count; i++)
        {
            if (System.Net.IPNetwork.TryParse(settings.KnownNetworks[i], out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else
            {
                problems.Add($"{TrustedProxyOptions.Section}:KnownNetworks:{i} '{settings.KnownNetworks[i]}' is not a CIDR range (e.g. 10.244.0.0/16).");
            }
        }

        for (var i = 0; i < settings.KnownProxies.Count; i++)
        {
            if (IPAddress.TryParse(settings.KnownProxies[i], out var address))
            {
                options.KnownProxies.Add(address);
            }
            else
            {
                problems.Add($"{TrustedProxyOptions.Section}:KnownProxies:{i} '{settings.KnownProxies[i]}' is not an IP address.");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, problems));
        }

        app.UseForwardedHeaders(options);
        return app;
    }
}
