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

    [Fact]
    public void Kubernetes_manifests_give_the_api_its_keys_from_a_secret_an_ingress_with_tls_and_silos_the_pod_access_kubernetes_hosting_needs()
    {
        var objects = Directory.GetFiles(K8s, "*.yaml", SearchOption.AllDirectories).SelectMany(Load).ToList();
        YamlMappingNode Object(string kind, string name) =>
            objects.Single(o => Scalar(o, "kind") == kind && Scalar(o, "metadata", "name") == name);

        var api = Object("Deployment", "actoroauth-api");
        var apiContainer = (YamlMappingNode)((YamlSequenceNode)Node(api, "spec", "template", "spec", "containers")!).Children[0];
        Assert.Contains("actoroauth-api-keys", ((YamlSequenceNode)Node(apiContainer, "envFrom")!).Children.Select(e => Scalar(e, "secretRef", "name")));

        var ingress = Object("Ingress", "actoroauth-api");
        var tls = (YamlMappingNode)((YamlSequenceNode)Node(ingress, "spec", "tls")!).Children[0];
        var rule = (YamlMappingNode)((YamlSequenceNode)Node(ingress, "spec", "rules")!).Children[0];
        Assert.Equal(Scalar(rule, "host"), ((YamlScalarNode)((YamlSequenceNode)Node(tls, "hosts")!).Children[0]).Value);
        Assert.False(string.IsNullOrEmpty(Scalar(tls, "secretName")));
        var paths = ((YamlSequenceNode)Node(rule, "http", "paths")!).Children.ToDictionary(p => Scalar(p, "path")!, p => Scalar(p, "backend", "service", "name"));
        Assert.Equal("actoroauth-api", paths["/api"]);
        Assert.Equal("actoroauth-api", paths["/callback"]);
        Assert.DoesNotContain("/readyz", paths.Keys);

        var silo = Object("Deployment", "actoroauth-silo");
        var account = Scalar(silo, "spec", "template", "spec", "serviceAccountName");
        Object("ServiceAccount", account!);
        var binding = objects.Single(o => Scalar(o, "kind") == "RoleBinding"
            && ((YamlSequenceNode)Node(o, "subjects")!).Children.Any(s => Scalar(s, "name") == account));
        var role = Object("Role", Scalar(binding, "roleRef", "name")!);
        var rules = ((YamlSequenceNode)Node(role, "rules")!).Children.Single(r => ((YamlSequenceNode)Node(r, "resources")!).Children.Any(c => ((YamlScalarNode)c).Value == "pods"));
        Assert.Equal(["get", "list", "patch", "watch"], ((YamlSequenceNode)Node(rules, "verbs")!).Children.Select(v => ((YamlScalarNode)v).Value).Order());
        Assert.Contains("POD_NAMESPACE", EnvNames(silo));

        // Every pod runs unprivileged on a read-only root filesystem.
        foreach (var workload in objects.Where(o => Scalar(o, "kind") is "Deployment" or "Job"))
        {
            var pod = Node(workload, "spec", "template", "spec")!;
            Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
            foreach (var container in ((YamlSequenceNode)Node(pod, "containers")!).Children)
            {
                Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
                Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
            }
        }
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
