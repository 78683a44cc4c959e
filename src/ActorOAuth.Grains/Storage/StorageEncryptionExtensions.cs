using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Grains.Storage;

/// <summary>Registers encryption at rest for grain state.</summary>
public static class StorageEncryptionExtensions
{
    /// <summary>
    /// Registers <see cref="EncryptionOptions"/> (validated at start: a host without a usable key does not start),
    /// the key ring, <see cref="StorageCipher"/> and an <see cref="EncryptedGrainStorageSerializer"/> over Orleans'
    /// binary serializer. Hand the serializer to a storage provider's <c>GrainStorageSerializer</c> option.
    /// </summary>
    public static IServiceCollection AddEncryptedGrainStorageSerializer(this IServiceCollection services)
    {
        services.AddOptions<EncryptionOptions>().BindConfiguration(EncryptionOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EncryptionOptions>, EncryptionOptionsValidator>();
        services.AddSingleton(sp => StorageKeyRing.Load(sp.GetRequiredService<IOptions<EncryptionOptions>>().Value));
        services.AddSingleton<StorageCipher>();
        services.AddSingleton(sp => new EncryptedGrainStorageSerializer(
            new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()), sp.GetRequiredService<StorageCipher>()));
        return services;
    }

    private sealed class EncryptionOptionsValidator : IValidateOptions<EncryptionOptions>
    {
        public ValidateOptionsResult Validate(string? name, EncryptionOptions options)
        {
            try
            {
                StorageKeyRing.Load(options);
                return ValidateOptionsResult.Success;
            }
            catch (StorageKeyRingException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
