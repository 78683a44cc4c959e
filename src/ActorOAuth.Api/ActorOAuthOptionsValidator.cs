using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api;

/// <summary>
/// What data annotations on <see cref="ActorOAuthOptions"/> do not reach: they check only the top level, so the rate
/// limits, regions and tenants below it are checked here, along with the URLs: <c>PublicBaseUrl</c> and each region's
/// an absolute http(s) URL, each return-URL origin just an origin, each API key hash a SHA-256 in hex. Messages name
/// the key; none repeats an API key or hash.
/// </summary>
public sealed class ActorOAuthOptionsValidator : IValidateOptions<ActorOAuthOptions>
{
    public ValidateOptionsResult Validate(string? name, ActorOAuthOptions options)
    {
        var failures = new List<string>();
        var section = ActorOAuthOptions.Section;

        Annotations(options.RateLimits, $"{section}:RateLimits", failures);
        CheckBaseUrl($"{section}:PublicBaseUrl", options.PublicBaseUrl, failures);
        foreach (var (region, settings) in options.Regions)
        {
            if (settings.PublicBaseUrl is not null)
            {
                CheckBaseUrl($"{section}:Regions:{region}:PublicBaseUrl", settings.PublicBaseUrl, failures);
            }
        }

        foreach (var (tenant, settings) in options.Tenants)
        {
            Annotations(settings, $"{section}:Tenants:{tenant}", failures);
            for (var i = 0; i < settings.ReturnUrlOrigins.Count; i++)
            {
                if (!IsOrigin(settings.ReturnUrlOrigins[i]))
                {
                    failures.Add($"{section}:Tenants:{tenant}:ReturnUrlOrigins:{i} must be an origin: https://host or http://host, with an optional port and nothing after it.");
                }
            }
        }

        failures.AddRange(Providers.ProviderDirectory.Problems(options.Providers));

        if (options.ApiKeyHashes.Keys.Any(hash => hash.Length != 64 || !hash.All(char.IsAsciiHexDigit)))
        {
            failures.Add($"{section}:ApiKeyHashes: every key must be a SHA-256 in hex (64 characters); at least one is not, so it would never match.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Annotations(object options, string prefix, List<string> failures)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        failures.AddRange(results.Select(r => $"{prefix}:{string.Join(',', r.MemberNames)}: {r.ErrorMessage}"));
    }

    private static void CheckBaseUrl(string key, string value, List<string> failures)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            failures.Add($"{key} must be an absolute http(s) URL without user info, query or fragment.");
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is ("https" or "http")
        && uri.UserInfo.Length == 0 && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0;
}
