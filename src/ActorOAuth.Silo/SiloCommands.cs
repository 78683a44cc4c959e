using System.Security.Cryptography;
using ActorOAuth.Grains.Storage;
using ActorOAuth.Hosting;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Silo;

/// <summary>The silo executable's commands: run the silo (default), prepare the database, rotate storage encryption.</summary>
public static class SiloCommands
{
    public const string Usage = """
        usage: ActorOAuth.Silo [command] [--Setting=value ...]
          run        run a silo (default)
          migrate    create the database if missing and apply sql/postgresql/*.sql (idempotent)
          reencrypt  rewrite every stored grain state with the active encryption key
          new-key    print a new random AES-256 key (base64) for ActorOAuth:Encryption:Keys:<id>
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
        var rest = command == "run" && (args.Length == 0 || args[0].StartsWith('-')) ? args : args[1..];
        try
        {
            switch (command)
            {
                case "run":
                    await SiloHost.Build(rest).RunAsync();
                    return 0;
                case "migrate":
                    return await MigrateAsync(rest);
                case "reencrypt":
                    return await ReencryptAsync(rest);
                case "new-key":
                    Console.WriteLine(Convert.ToBase64String(RandomNumberGenerator.GetBytes(StorageKeyRing.KeySize)));
                    return 0;
                default:
                    await Console.Error.WriteLineAsync($"unknown command '{command}'{Environment.NewLine}{Usage}");
                    return 2;
            }
        }
        catch (Exception e) when (e is StorageKeyRingException or InvalidOperationException or OptionsValidationException or CryptographicException)
        {
            await Console.Error.WriteLineAsync($"ActorOAuth silo: cannot {command}: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> MigrateAsync(string[] args)
    {
        var configuration = WebApplication.CreateBuilder(args).Configuration;
        var settings = ClusterHostOptions.Read(configuration);
        var applied = await SchemaMigrator.ApplyAsync(settings.ConnectionString!, settings.SchemaDirectory, Console.Out);
        Console.WriteLine($"schema up to date ({applied.Count} scripts)");
        return 0;
    }

    private static async Task<int> ReencryptAsync(string[] args)
    {
        var configuration = WebApplication.CreateBuilder(args).Configuration;
        var settings = ClusterHostOptions.Read(configuration);
        var keys = StorageKeyRing.Load(configuration.GetSection(EncryptionOptions.Section).Get<EncryptionOptions>() ?? new EncryptionOptions());
        var result = await StorageReencryptor.RunAsync(settings.ConnectionString!, settings.ServiceId, new StorageCipher(keys), Console.Out);
        if (result.Remaining > 0)
        {
            await Console.Error.WriteLineAsync($"{result.Remaining} rows are still written with another key: restart every silo with ActiveKey '{keys.ActiveKeyId}' first, then run reencrypt again.");
            return 1;
        }

        Console.WriteLine($"done: {result.Rewritten} rows re-encrypted; every row now uses key '{keys.ActiveKeyId}'");
        return 0;
    }
}
