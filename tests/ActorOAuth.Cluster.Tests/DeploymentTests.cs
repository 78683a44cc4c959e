using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using ActorOAuth.Api;
using ActorOAuth.Grains;
using ActorOAuth.Silo;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// Deployment that works as written: every image the Kubernetes manifests name is built by a Dockerfile of the
/// repository that publishes that host, every environment variable they set is read by a host, and the published
/// outputs hold what the images need (and the API none of the sandbox).
/// </summary>
public sealed partial class DeploymentTests
{
    private static readonly string K8s = Path.Combine(Repository.Root, "deploy", "k8s");

    [Fact]
    public void Every_image_the_manifests_name_has_a_multi_stage_Dockerfile_that_publishes_its_host_and_runs_it_unprivileged()
    {
        var images = Images();
        Assert.Equal(["api", "silo"], images.Order());
        foreach (var image in images)
        {
            var dockerfile = Dockerfile.Read(image);
            Assert.True(dockerfile.Stages >= 2, $"{image}: a build stage and a runtime stage");
            Assert.Contains("/sdk:", dockerfile.FirstFrom);
            Assert.Contains("/aspnet:", dockerfile.LastFrom);
            Assert.True(File.Exists(Path.Combine(Repository.Root, dockerfile.Project)), $"{image}: {dockerfile.Project} does not exist");
            Assert.Equal(Path.GetFileNameWithoutExtension(dockerfile.Project) + ".dll", dockerfile.EntryPointAssembly);
            Assert.NotNull(dockerfile.User);
            Assert.DoesNotMatch("^(root|0)(:.*)?$", dockerfile.User);
            foreach (var source in dockerfile.CopySources)
            {
                Assert.True(File.Exists(Path.Combine(Repository.Root, source)) || Directory.Exists(Path.Combine(Repository.Root, source)), $"{image}: COPY {source} names nothing");
            }
        }
    }

    [Fact]
    public async Task The_published_api_carries_no_OpenIddict_EF_Core_or_SQLite_and_its_new_api_key_command_runs()
    {
        var output = await PublishAsync("api");

        var assemblies = Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.Contains("ActorOAuth.Api.dll", assemblies);
        Assert.Contains("Orleans.Runtime.dll", assemblies);
        Assert.DoesNotContain(assemblies, f => f!.StartsWith("OpenIddict", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(assemblies, f => f!.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(assemblies, f => f!.Contains("sqlite", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(assemblies, f => f!.StartsWith("ActorOAuth.Sandbox", StringComparison.OrdinalIgnoreCase));

        var command = await ProcessRunner.RunAsync("dotnet", [Path.Combine(output, "ActorOAuth.Api.dll"), "new-api-key", "--tenant", "acme"], TimeSpan.FromMinutes(1));
        command.EnsureSuccess("new-api-key");
        Assert.Matches("(?m)^hash: +[0-9a-f]{64}$", command.StandardOutput);
    }

    [Fact]
    public async Task The_published_silo_carries_its_schema_and_kubernetes_hosting()
    {
        var output = await PublishAsync("silo");

        Assert.True(File.Exists(Path.Combine(output, "ActorOAuth.Silo.dll")));
        Assert.True(File.Exists(Path.Combine(output, "Orleans.Hosting.Kubernetes.dll")));
        Assert.Equal(
            Directory.GetFiles(Repository.SqlDirectory, "*.sql").Select(Path.GetFileName).Order(),
            Directory.GetFiles(Path.Combine(output, "sql", "postgresql"), "*.sql").Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Every_environment_variable_the_manifests_set_is_one_the_hosts_read()
    {
        var names = EnvironmentVariables();
        Assert.True(names.Count >= 15, "the manifests set the settings of both hosts");
        var unknown = names.Where(name => !HostSettings.Reads(name)).ToList();
        Assert.True(unknown.Count == 0, "read by no host: " + string.Join(", ", unknown));

        // The check itself tells a misspelt or removed setting from a real one.
        Assert.False(HostSettings.Reads("ActorOAuth__Cluster__Regoin"));
        Assert.False(HostSettings.Reads("ActorOAuth__ForwardedHeaders__KnownNetwork__0"));
        Assert.False(HostSettings.Reads("ActorOAuth__Encryption__KeyFile__Path"));
        Assert.False(HostSettings.Reads("ASPNETCORE_PORT"));
        Assert.True(HostSettings.Reads("ActorOAuth__ApiKeyHashes__" + new string('a', 64)));
        Assert.True(HostSettings.Reads("ActorOAuth__Cluster__Membership__ProbeTimeout"));
    }

    [Fact]
    public void Kubernetes_hosting_is_on_in_a_pod_and_off_elsewhere_unless_configured()
    {
        static bool UsesKubernetesHosting(params string[] settings)
        {
            using var silo = SiloHost.Build(
            [
                "--environment=Production",
                "--Logging:LogLevel:Default=None",
                $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
                "--ActorOAuth:Cluster:ConnectionString=Host=127.0.0.1;Port=1;Database=none;Username=none",
                "--ActorOAuth:Encryption:Keys:k1=" + Convert.ToBase64String(new byte[32]),
                .. settings,
            ]);
            return silo.Services.GetServices<IValidateOptions<KubernetesHostingOptions>>().Any();
        }

        Assert.False(UsesKubernetesHosting());
        Assert.True(UsesKubernetesHosting($"--{SiloHost.KubernetesServiceHost}=10.96.0.1"));
        Assert.False(UsesKubernetesHosting($"--{SiloHost.KubernetesServiceHost}=10.96.0.1", "--ActorOAuth:Cluster:KubernetesHosting=false"));
        Assert.True(UsesKubernetesHosting("--ActorOAuth:Cluster:KubernetesHosting=true"));
    }

    private static async Task<string> PublishAsync(string image)
    {
        var dockerfile = Dockerfile.Read(image);
        var output = Path.Combine(Path.GetTempPath(), $"actoroauth-publish-{image}-{Guid.NewGuid():N}");
        // The Dockerfile's own publish, of this build's binaries (CI builds Release first; no network here for a restore).
        var publish = await ProcessRunner.RunAsync("dotnet",
            ["publish", dockerfile.Project, "-c", Repository.Configuration, "--no-build", "-o", output, "-p:UseAppHost=false", "-nologo"], TimeSpan.FromMinutes(5));
        publish.EnsureSuccess($"dotnet publish {dockerfile.Project}");
        return output;
    }

    /// <summary>The repository names (<c>actoroauth/NAME</c>) of every image the manifests and overlays refer to.</summary>
    private static List<string> Images() =>
        [.. Manifests().SelectMany(document => Scalars(document, "image").Concat(ImageNames(document)))
            .Select(image => ImageName().Match(image))
            .Select(match => Assert.IsType<Match>(match).Success ? match.Groups[1].Value : throw new InvalidOperationException("unexpected image"))
            .Distinct()];

    private static IEnumerable<string> ImageNames(YamlMappingNode document) =>
        document.Children.TryGetValue(new YamlScalarNode("images"), out var images) && images is YamlSequenceNode list
            ? list.Children.OfType<YamlMappingNode>().Select(i => ((YamlScalarNode)i.Children[new YamlScalarNode("name")]).Value!)
            : [];

    /// <summary>Every variable a container's <c>env</c> sets, and every key of a ConfigMap a container takes whole (<c>envFrom</c>).</summary>
    private static HashSet<string> EnvironmentVariables()
    {
        var documents = Manifests();
        var configMaps = documents.Where(d => Scalar(d, "kind") == "ConfigMap").ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in documents.SelectMany(d => Nodes(d, "containers")).OfType<YamlSequenceNode>().SelectMany(s => s.Children.OfType<YamlMappingNode>()))
        {
            if (container.Children.TryGetValue(new YamlScalarNode("env"), out var env))
            {
                names.UnionWith(((YamlSequenceNode)env).Children.Select(e => Scalar(e, "name")!));
            }

            if (container.Children.TryGetValue(new YamlScalarNode("envFrom"), out var envFrom))
            {
                foreach (var source in ((YamlSequenceNode)envFrom).Children)
                {
                    if (Scalar(source, "configMapRef", "name") is { } map)
                    {
                        var data = configMaps.Where(c => Scalar(c, "metadata", "name") == map).ToList();
                        Assert.NotEmpty(data);
                        names.UnionWith(data.SelectMany(c => ((YamlMappingNode)c.Children[new YamlScalarNode("data")]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!)));
                    }
                }
            }
        }

        return names;
    }

    private static List<YamlMappingNode> Manifests() =>
        [.. Directory.GetFiles(K8s, "*.yaml", SearchOption.AllDirectories).SelectMany(file =>
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            return stream.Documents.Select(d => (YamlMappingNode)d.RootNode);
        })];

    /// <summary>Every node under a key of that name, at any depth.</summary>
    private static IEnumerable<YamlNode> Nodes(YamlNode node, string key) => node switch
    {
        YamlMappingNode mapping => mapping.Children.SelectMany(pair =>
            (pair.Key is YamlScalarNode { Value: var name } && name == key ? [pair.Value] : Enumerable.Empty<YamlNode>()).Concat(Nodes(pair.Value, key))),
        YamlSequenceNode sequence => sequence.Children.SelectMany(child => Nodes(child, key)),
        _ => [],
    };

    private static IEnumerable<string> Scalars(YamlNode node, string key) => Nodes(node, key).OfType<YamlScalarNode>().Select(s => s.Value!);

    private static string? Scalar(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return (node as YamlScalarNode)?.Value;
    }

    [GeneratedRegex("^actoroauth/([a-z0-9-]+)(:[A-Za-z0-9._-]+)?$")]
    private static partial Regex ImageName();

    /// <summary>What the tests read of <c>deploy/docker/{image}.Dockerfile</c>.</summary>
    private sealed partial record Dockerfile(int Stages, string FirstFrom, string LastFrom, string Project, string EntryPointAssembly, string? User, IReadOnlyList<string> CopySources)
    {
        public static Dockerfile Read(string image)
        {
            var path = Path.Combine(Repository.Root, "deploy", "docker", image + ".Dockerfile");
            Assert.True(File.Exists(path), $"no Dockerfile for the image actoroauth/{image}: {path}");
            var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            var froms = lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
            var finalStage = lines.Skip(lines.LastIndexOf(froms[^1])).ToList();
            var project = Publish().Match(string.Join('\n', lines)).Groups[1].Value;
            var entryPoint = EntryPoint().Match(string.Join('\n', lines)).Groups[1].Value;
            var user = finalStage.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal))?["USER ".Length..].Trim();
            var copies = lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from=", StringComparison.Ordinal))
                .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]).ToList();
            return new Dockerfile(froms.Count, froms[0], froms[^1], project, entryPoint, user, copies);
        }

        [GeneratedRegex(@"RUN dotnet publish (\S+\.csproj)")]
        private static partial Regex Publish();

        [GeneratedRegex(@"ENTRYPOINT \[""dotnet"", ""([^""]+)""\]")]
        private static partial Regex EntryPoint();
    }
}

/// <summary>
/// The settings the hosts read, derived from the code: every options class bound to a section (a <c>Section</c>
/// constant) of the API, silo and grains assemblies walked property by property, the silo's failure-detection section
/// (Orleans' <see cref="ClusterMembershipOptions"/>), the hosting mode key, ASP.NET Core's host settings
/// (<see cref="WebHostDefaults"/>, as <c>ASPNETCORE_*</c>) and the variables Orleans' Kubernetes hosting reads.
/// </summary>
internal static class HostSettings
{
    private static readonly List<(string Section, Type Options)> Sections = FindSections();

    private static readonly HashSet<string> Keys = new(StringComparer.OrdinalIgnoreCase) { OrleansHosting.ModeKey };

    private static readonly HashSet<string> Variables = new(
        typeof(KubernetesHostingOptions).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name.EndsWith("EnvironmentVariable", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!),
        StringComparer.Ordinal);

    private static readonly HashSet<string> HostKeys = new(
        typeof(WebHostDefaults).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!),
        StringComparer.OrdinalIgnoreCase);

    public static bool Reads(string variable)
    {
        if (Variables.Contains(variable))
        {
            return true;
        }

        if (variable.StartsWith("ASPNETCORE_", StringComparison.Ordinal))
        {
            return HostKeys.Contains(variable["ASPNETCORE_".Length..]);
        }

        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        if (Keys.Contains(key))
        {
            return true;
        }

        var (section, options) = Sections.Where(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase)).MaxBy(s => s.Section.Length);
        return section is not null && Walk(options, key[(section.Length + 1)..].Split(':'));
    }

    private static List<(string, Type)> FindSections()
    {
        var sections = new[] { typeof(ActorOAuthApp).Assembly, typeof(SiloHost).Assembly, typeof(GrainStorage).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsClass && t.Name.EndsWith("Options", StringComparison.Ordinal))
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)))
            .Where(s => s.Field is { IsLiteral: true })
            .Select(s => ((string)s.Field!.GetRawConstantValue()!, s.Type))
            .ToList();
        var cluster = typeof(SiloHost).Assembly.GetType("ActorOAuth.Hosting.ClusterHostOptions", throwOnError: true)!;
        sections.Add(((string)cluster.GetField("MembershipSection")!.GetRawConstantValue()!, typeof(ClusterMembershipOptions)));
        return sections;
    }

    private static bool Walk(Type type, ReadOnlySpan<string> path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (path.IsEmpty)
        {
            return true;
        }

        if (IsScalar(type))
        {
            return false;
        }

        if (Element(type, typeof(IDictionary<,>)) is { } dictionary)
        {
            return Walk(dictionary.GetGenericArguments()[1], path[1..]);
        }

        if (Element(type, typeof(IEnumerable<>)) is { } list)
        {
            return int.TryParse(path[0], out _) && Walk(list.GetGenericArguments()[0], path[1..]);
        }

        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is { CanWrite: true } && Walk(property.PropertyType, path[1..]);
    }

    private static Type? Element(Type type, Type generic) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == generic
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);

    private static bool IsScalar(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(decimal)
        || type == typeof(DateTimeOffset) || type == typeof(Uri) || !typeof(IEnumerable).IsAssignableFrom(type) && type.Namespace == "System";
}
