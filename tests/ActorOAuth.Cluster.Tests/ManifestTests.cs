using YamlDotNet.RepresentationModel;

namespace ActorOAuth.Cluster.Tests;

public sealed class ManifestTests
{
    private static readonly string K8s = Path.Combine(Repository.Root, "deploy", "k8s");

    [Fact]
    public void Kubernetes_manifests_parse_as_yaml_and_every_object_has_kind_and_name()
    {
        var files = Directory.GetFiles(K8s, "*.yaml", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var documents = Load(file);
            Assert.NotEmpty(documents);
            foreach (var root in documents)
            {
                Assert.True(root.Children.ContainsKey("apiVersion"), $"{file}: a document without apiVersion");
                Assert.True(root.Children.ContainsKey("kind"), $"{file}: a document without kind");
                if (Scalar(root, "kind") != "Kustomization")
                {
                    Assert.False(string.IsNullOrEmpty(Scalar(root, "metadata", "name")), $"{file}: a {Scalar(root, "kind")} without a name");
                }
            }
        }
    }

    [Fact]
    public void Kubernetes_manifests_cover_silos_apis_services_region_config_disruption_budgets_and_graceful_shutdown()
    {
        var objects = Directory.GetFiles(K8s, "*.yaml", SearchOption.AllDirectories).SelectMany(Load).ToList();
        YamlMappingNode Object(string kind, string name) =>
            objects.Single(o => Scalar(o, "kind") == kind && Scalar(o, "metadata", "name") == name);

        var silo = Object("Deployment", "actoroauth-silo");
        var api = Object("Deployment", "actoroauth-api");
        Assert.Equal("60", Scalar(silo, "spec", "template", "spec", "terminationGracePeriodSeconds"));
        Assert.Contains("ActorOAuth__Encryption__KeyFile", EnvNames(silo));
        Assert.Contains("ActorOAuth__Cluster__AdvertisedAddress", EnvNames(silo));
        Assert.Contains("ActorOAuth__Mode", EnvNames(api));
        foreach (var deployment in new[] { silo, api })
        {
            var container = (YamlMappingNode)((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "containers")!).Children[0];
            Assert.Equal("/readyz", Scalar(container, "readinessProbe", "httpGet", "path"));
            Assert.Equal("/healthz", Scalar(container, "livenessProbe", "httpGet", "path"));
        }

        Object("Service", "actoroauth-silo");
        Object("Service", "actoroauth-api");
        Object("PodDisruptionBudget", "actoroauth-silo");
        Object("PodDisruptionBudget", "actoroauth-api");
        Object("Job", "actoroauth-migrate");
        var regions = objects.Where(o => Scalar(o, "kind") == "ConfigMap" && Scalar(o, "metadata", "name") == "actoroauth-region").ToList();
        Assert.True(regions.Count >= 2, "a ConfigMap per region");
        Assert.Equal(regions.Count, regions.Select(r => Scalar(r, "data", "ActorOAuth__Cluster__Region")).Distinct().Count());
    }

    private static List<YamlMappingNode> Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    private static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private static string? Scalar(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static List<string?> EnvNames(YamlMappingNode deployment)
    {
        var container = (YamlMappingNode)((YamlSequenceNode)Node(deployment, "spec", "template", "spec", "containers")!).Children[0];
        return ((YamlSequenceNode)Node(container, "env")!).Children.Select(e => Scalar(e, "name")).ToList();
    }
}
