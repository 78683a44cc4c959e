namespace ActorOAuth.Grains;

/// <summary>The grain storage provider name every ActorOAuth grain persists to.</summary>
public static class GrainStorage
{
    public const string Name = "connections";
}
