using System.Globalization;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains;

/// <summary>
/// The time spans of <see cref="ConnectionOptions"/>, checked at start (data annotations cover the numbers): every span
/// positive, except that <see cref="ConnectionOptions.ForcedRefreshDebounce"/> (no debounce) and
/// <see cref="ConnectionOptions.UsedWriteDelay"/> (write at once) may be zero; the reminder period at least Orleans'
/// smallest, the backoff's cap not below its start, and a provider call limited to 5 minutes.
/// </summary>
public sealed class ConnectionOptionsValidator : IValidateOptions<ConnectionOptions>
{
    /// <summary>Orleans refuses reminder periods below a minute.</summary>
    public static readonly TimeSpan MinReminderPeriod = TimeSpan.FromMinutes(1);

    /// <summary>A provider call held longer keeps the connection's turn (and every fetch behind it) waiting.</summary>
    public static readonly TimeSpan MaxProviderCallTimeout = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, ConnectionOptions options)
    {
        var failures = new List<string>();
        void Positive(string key, TimeSpan value)
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Key(key)} must be positive; it is {Show(value)}.");
            }
        }

        void NotNegative(string key, TimeSpan value)
        {
            if (value < TimeSpan.Zero)
            {
                failures.Add($"{Key(key)} must not be negative; it is {Show(value)}.");
            }
        }

        Positive(nameof(options.AuthorizationLifetime), options.AuthorizationLifetime);
        Positive(nameof(options.MaxRefreshLead), options.MaxRefreshLead);
        Positive(nameof(options.RetryInitialDelay), options.RetryInitialDelay);
        Positive(nameof(options.RetryMaxDelay), options.RetryMaxDelay);
        Positive(nameof(options.RetryWindow), options.RetryWindow);
        Positive(nameof(options.UsedLogInterval), options.UsedLogInterval);
        Positive(nameof(options.ProviderCallTimeout), options.ProviderCallTimeout);
        Positive(nameof(options.StateWriteRetryDelay), options.StateWriteRetryDelay);
        NotNegative(nameof(options.ForcedRefreshDebounce), options.ForcedRefreshDebounce);
        NotNegative(nameof(options.UsedWriteDelay), options.UsedWriteDelay);

        if (options.ReminderPeriod < MinReminderPeriod)
        {
            failures.Add($"{Key(nameof(options.ReminderPeriod))} must be at least {Show(MinReminderPeriod)} (Orleans' smallest reminder period); it is {Show(options.ReminderPeriod)}.");
        }

        if (options.RetryMaxDelay < options.RetryInitialDelay)
        {
            failures.Add($"{Key(nameof(options.RetryMaxDelay))} ({Show(options.RetryMaxDelay)}) must not be less than {Key(nameof(options.RetryInitialDelay))} ({Show(options.RetryInitialDelay)}).");
        }

        if (options.ProviderCallTimeout > MaxProviderCallTimeout)
        {
            failures.Add($"{Key(nameof(options.ProviderCallTimeout))} must be at most {Show(MaxProviderCallTimeout)}; it is {Show(options.ProviderCallTimeout)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Key(string property) => $"{ConnectionOptions.Section}:{property}";

    private static string Show(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
