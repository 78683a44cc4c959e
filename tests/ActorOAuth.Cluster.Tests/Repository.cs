namespace ActorOAuth.Cluster.Tests;

/// <summary>Paths in the repository the tests run from, and the build configuration they were built in.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string SqlDirectory => Path.Combine(Root, "sql", "postgresql");

    /// <summary>Release or Debug, whichever built this test assembly (the deploy scripts run the same binaries).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorOAuth.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ActorOAuth.sln not found above " + AppContext.BaseDirectory);
    }
}
