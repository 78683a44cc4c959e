namespace ActorOAuth.Grains;

/// <summary>
/// The random numbers in [0, 1) that place refresh and retry times within their jitter bands and pick the moment of a
/// deferred write. A service, so tests substitute one and assert exact times. Never used for secrets (those come from
/// <see cref="System.Security.Cryptography.RandomNumberGenerator"/>).
/// </summary>
public class JitterSource
{
    public virtual double NextDouble() => Random.Shared.NextDouble();
}
