using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ActorOAuth.Api.Infrastructure;

namespace ActorOAuth.Api;

/// <summary>
/// Commands of the API executable besides serving: <c>new-api-key --tenant T</c> prints a fresh API key for tenant T and
/// the hash the API is configured with (<c>ActorOAuth:ApiKeyHashes:{hash}=T</c>), so no deployment ever holds the key.
/// </summary>
public static partial class ApiCommands
{
    public const string Usage = """
        usage: ActorOAuth.Api new-api-key --tenant <tenant>
          prints a new API key for the tenant (shown once, stored nowhere) and the hash to configure
        """;

    /// <summary>The exit code of the command named by <paramref name="args"/>, or null when they name none (the API runs).</summary>
    public static int? TryRun(string[] args, TextWriter output, TextWriter error)
    {
        if (args is not ["new-api-key", .. var rest])
        {
            return null;
        }

        var tenant = rest switch
        {
            ["--tenant", var value] => value,
            [var single] when single.StartsWith("--tenant=", StringComparison.Ordinal) => single["--tenant=".Length..],
            _ => null,
        };
        if (tenant is null || !Tenant().IsMatch(tenant))
        {
            error.WriteLine(tenant is null
                ? Usage
                : "The tenant is 1 to 100 characters: a letter or digit, then letters, digits, '.', '_', '~' or '-'.");
            return 2;
        }

        var key = "aoa_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var hash = ApiKeyRing.HashOf(key);
        output.WriteLine($"tenant: {tenant}");
        output.WriteLine($"key:    {key}");
        output.WriteLine($"hash:   {hash}");
        output.WriteLine();
        output.WriteLine("Give the key to the tenant now: it is stored nowhere and cannot be shown again.");
        output.WriteLine("Configure the API with the hash (it accepts the key from then on; several keys per tenant allow rotation):");
        output.WriteLine($"  environment:  ActorOAuth__ApiKeyHashes__{hash}={tenant}");
        output.WriteLine($"  appsettings:  \"ActorOAuth\": {{ \"ApiKeyHashes\": {{ \"{hash}\": \"{tenant}\" }} }}");
        output.WriteLine($"  Kubernetes:   kubectl -n <namespace> patch secret actoroauth-api-keys --type merge -p '{{\"stringData\":{{\"ActorOAuth__ApiKeyHashes__{hash}\":\"{tenant}\"}}}}'");
        output.WriteLine("                kubectl -n <namespace> rollout restart deployment/actoroauth-api");
        return 0;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$")]
    private static partial Regex Tenant();
}
