using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Handout;

/// <summary>
/// How a used, valid connection's token is handed out without a grain call. Section <c>ActorOAuth:Handout</c>, read by
/// the silos and the API; checked at start by <see cref="HandoutOptionsValidator"/>.
/// </summary>
public sealed class HandoutOptions
{
    public const string Section = "ActorOAuth:Handout";

    /// <summary>
    /// Whether the API hands out tokens from the hand-out table (embedded: the co-hosted silo's, cluster: its own leased
    /// copies) instead of calling the connection for every fetch. Default true; false calls the connection every time.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Cluster mode: how long an API process may hand out a leased token without hearing from its connection. A change
    /// of the connection (disconnect, refresh, delete…) is answered once every holder confirmed the withdrawal or, for a
    /// holder that cannot be reached, once its lease has run out: so this is also the longest such a change waits.
    /// Default 15 seconds; 1 second to 5 minutes.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Checks <see cref="HandoutOptions.Lease"/> is between 1 second and 5 minutes.</summary>
public sealed class HandoutOptionsValidator : IValidateOptions<HandoutOptions>
{
    public static readonly TimeSpan MinLease = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxLease = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, HandoutOptions options) =>
        options.Lease < MinLease || options.Lease > MaxLease
            ? ValidateOptionsResult.Fail($"{HandoutOptions.Section}:{nameof(options.Lease)} must be between {MinLease:c} and {MaxLease:c}; it is {options.Lease:c}.")
            : ValidateOptionsResult.Success;
}
