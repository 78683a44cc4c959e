using System.Globalization;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>How a tenant's customer-facing pages look, section <c>ActorOAuth:Tenants:{tenant}:Branding</c>.</summary>
public sealed class BrandingOptions
{
    /// <summary>The name the pages show as their heading and in the title (1 to 100 printable characters). Default: "ActorOAuth".</summary>
    public string? DisplayName { get; set; }

    /// <summary>An absolute <c>https</c> URL of the vendor's logo, shown beside the name. Default: none.</summary>
    public string? LogoUrl { get; set; }

    /// <summary>
    /// The colour of buttons and links, <c>#rrggbb</c>; white text on it must reach a contrast of 4.5:1 (WCAG AA), so the
    /// pages stay readable. Default: <c>#1d4ed8</c>.
    /// </summary>
    public string? AccentColor { get; set; }
}

/// <summary>The connect pages' settings, section <c>ActorOAuth:ConnectPages</c>.</summary>
public sealed class ConnectPageOptions
{
    public const string Section = "ActorOAuth:ConnectPages";

    /// <summary>A session's lifetime when <c>expiresInSeconds</c> is not given (the contract's 1800 s).</summary>
    public static readonly TimeSpan DefaultSessionLifetime = TimeSpan.FromMinutes(30);

    /// <summary>The longest session a vendor may mint (the contract's 86400 s).</summary>
    public static readonly TimeSpan MaxSessionLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// How long the callback waits for the code exchange before it answers a page that says it is still working and
    /// refreshes itself (the exchange goes on in the grain). Between 1 second and 1 minute. Default: 00:00:10.
    /// </summary>
    public TimeSpan CallbackWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long each request of the "still working" page waits for the outcome before it answers the same page again,
    /// which reloads at once (a meta refresh without delay, so no timed change surprises the reader). Between 1 second
    /// and 1 minute. Default: 00:00:05.
    /// </summary>
    public TimeSpan OutcomeWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A directory for ASP.NET Core Data Protection's key ring, which protects the pages' anti-forgery tokens: every API
    /// process must see the same keys, so several of them on different machines mount one directory here. Default:
    /// none (Data Protection's default: the user's own key directory, shared by that user's processes on one machine).
    /// </summary>
    public string? KeyDirectory { get; set; }
}

/// <summary>
/// Checks the connect pages' settings and each tenant's branding and frame ancestors; messages name the key. A host with
/// a bad one does not start.
/// </summary>
public sealed class ConnectPageOptionsValidator : IValidateOptions<ActorOAuthOptions>, IValidateOptions<ConnectPageOptions>
{
    public const string DefaultAccent = "#1d4ed8";

    public ValidateOptionsResult Validate(string? name, ConnectPageOptions options)
    {
        var failures = new List<string>();
        if (options.CallbackWait < TimeSpan.FromSeconds(1) || options.CallbackWait > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{ConnectPageOptions.Section}:CallbackWait must be between 00:00:01 and 00:01:00.");
        }

        if (options.OutcomeWait < TimeSpan.FromSeconds(1) || options.OutcomeWait > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{ConnectPageOptions.Section}:OutcomeWait must be between 00:00:01 and 00:01:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public ValidateOptionsResult Validate(string? name, ActorOAuthOptions options)
    {
        var failures = new List<string>();
        foreach (var (tenant, settings) in options.Tenants)
        {
            var prefix = $"{ActorOAuthOptions.Section}:Tenants:{tenant}";
            var branding = settings.Branding;
            if (branding.DisplayName is { } displayName && (displayName.Trim().Length is 0 or > 100 || displayName.Any(char.IsControl)))
            {
                failures.Add($"{prefix}:Branding:DisplayName must be 1 to 100 characters without control characters.");
            }

            if (branding.LogoUrl is { } logo && !IsHttpsUrl(logo))
            {
                failures.Add($"{prefix}:Branding:LogoUrl must be an absolute https URL without user info or fragment, at most 2048 characters.");
            }

            if (branding.AccentColor is { } accent)
            {
                if (!TryParseColor(accent, out var rgb))
                {
                    failures.Add($"{prefix}:Branding:AccentColor must be a colour in the form #rrggbb.");
                }
                else if (ContrastWithWhite(rgb) < 4.5)
                {
                    failures.Add($"{prefix}:Branding:AccentColor {accent} is too light: white text on it reaches {ContrastWithWhite(rgb):0.0}:1, below 4.5:1.");
                }
            }

            for (var i = 0; i < settings.FrameAncestors.Count; i++)
            {
                if (!PageHeaders.IsOrigin(settings.FrameAncestors[i]))
                {
                    failures.Add($"{prefix}:FrameAncestors:{i} must be an origin: https://host or http://host, with an optional port and nothing after it.");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Parses <c>#rrggbb</c>.</summary>
    public static bool TryParseColor(string value, out (int R, int G, int B) rgb)
    {
        rgb = default;
        if (value.Length != 7 || value[0] != '#' || !value.Skip(1).All(char.IsAsciiHexDigit))
        {
            return false;
        }

        var n = int.Parse(value.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        rgb = ((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
        return true;
    }

    /// <summary>WCAG 2 contrast ratio of white against the colour.</summary>
    public static double ContrastWithWhite((int R, int G, int B) rgb)
    {
        static double Channel(int c)
        {
            var s = c / 255.0;
            return s <= 0.03928 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }

        var luminance = (0.2126 * Channel(rgb.R)) + (0.7152 * Channel(rgb.G)) + (0.0722 * Channel(rgb.B));
        return 1.05 / (luminance + 0.05);
    }

    private static bool IsHttpsUrl(string value) =>
        value.Length <= 2048 && value.All(c => c is >= '!' and <= '~')
        && Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == "https" && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0;
}
