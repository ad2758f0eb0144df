using System.Net;
using Takase.Server.Hosting;
using Takase.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Takase.Server.Tests.Deploy;

/// <summary>
/// deploy/k8s cannot be applied here (no cluster), so these tests hold it to what the server really does: every
/// document parses with a known kind, probes reach endpoints a running server answers, every TAKASE__ setting binds
/// to a real option, and ports agree across containers, Services and the server's default.
/// </summary>
public sealed class KubernetesManifestTests
{
    // The API group/version of each kind the manifests may use (all stable, served by every supported cluster).
    private static readonly Dictionary<string, string> ApiVersions = new()
    {
        ["Namespace"] = "v1",
        ["ConfigMap"] = "v1",
        ["Service"] = "v1",
        ["PersistentVolumeClaim"] = "v1",
        ["Deployment"] = "apps/v1",
        ["StatefulSet"] = "apps/v1",
    };

    private static Manifest Gateway(IReadOnlyList<Manifest> manifests) => manifests.Single(m => m.Kind == "Deployment");

    private static YamlMappingNode GatewayContainer(IReadOnlyList<Manifest> manifests) =>
        Gateway(manifests).Containers.Single(c => c.Text("name") == "takase");

    [Fact]
    public void Every_document_parses_with_a_known_kind_and_its_apiVersion()
    {
        var manifests = DeployFiles.Manifests();
        Assert.NotEmpty(manifests);
        foreach (var m in manifests)
        {
            Assert.True(ApiVersions.TryGetValue(m.Kind, out var expected), $"{m}: kind {m.Kind} is not one the deployment is meant to use");
            Assert.Equal(expected, m.ApiVersion);
            Assert.False(string.IsNullOrWhiteSpace(m.Name), $"{m} has no metadata.name");
        }
        // The pieces the deployment consists of: gateway nodes, their settings, PostgreSQL with its data volume.
        Assert.Single(manifests, m => m.Kind == "Deployment");
        Assert.Contains(manifests, m => m.Kind == "ConfigMap");
        var postgres = Assert.Single(manifests, m => m.Kind == "StatefulSet");
        Assert.Contains(postgres.Containers, c => c.Text("image").StartsWith("postgres:", StringComparison.Ordinal));
        Assert.NotEmpty(postgres.Root.Map("spec").Seq("volumeClaimTemplates"));
    }

    [Fact]
    public void Namespaced_objects_live_in_the_namespace_the_manifests_create()
    {
        var manifests = DeployFiles.Manifests();
        var ns = Assert.Single(manifests, m => m.Kind == "Namespace").Name;
        foreach (var m in manifests.Where(m => m.Kind != "Namespace"))
            Assert.True(m.Namespace == ns, $"{m} is in namespace '{m.Namespace}', not '{ns}'");
    }

    [Fact]
    public void Workload_selectors_match_their_pods_and_each_Service_selects_a_workload()
    {
        var manifests = DeployFiles.Manifests();
        var workloads = manifests.Where(m => m.Kind is "Deployment" or "StatefulSet").ToList();
        foreach (var w in workloads)
        {
            var selector = Labels(w.Root.Map("spec").Map("selector").Map("matchLabels"));
            var pod = Labels(w.Root.Map("spec").Map("template").Map("metadata").Map("labels"));
            Assert.True(selector.All(kv => pod.GetValueOrDefault(kv.Key) == kv.Value), $"{w}: its selector does not match its pod labels");
        }
        foreach (var service in manifests.Where(m => m.Kind == "Service"))
        {
            var selector = Labels(service.Root.Map("spec").Map("selector"));
            Assert.True(workloads.Any(w => selector.All(kv => Labels(w.Root.Map("spec").Map("template").Map("metadata").Map("labels")).GetValueOrDefault(kv.Key) == kv.Value)),
                $"{service} selects no workload's pods");
        }
        var statefulSet = manifests.Single(m => m.Kind == "StatefulSet");
        Assert.Contains(manifests, m => m.Kind == "Service" && m.Name == statefulSet.Root.Map("spec").Text("serviceName"));
    }

    [Fact]
    public void Volumes_and_ConfigMaps_the_gateway_uses_are_defined()
    {
        var manifests = DeployFiles.Manifests();
        var gateway = Gateway(manifests);
        foreach (var volume in gateway.PodSpec.Seq("volumes").Cast<YamlMappingNode>())
            if (volume.MapOrNull("persistentVolumeClaim") is { } claim)
                Assert.Contains(manifests, m => m.Kind == "PersistentVolumeClaim" && m.Name == claim.Text("claimName"));
        var volumes = gateway.PodSpec.Seq("volumes").Cast<YamlMappingNode>().Select(v => v.Text("name")).ToHashSet();
        foreach (var mount in GatewayContainer(manifests).Seq("volumeMounts").Cast<YamlMappingNode>())
            Assert.Contains(mount.Text("name"), volumes);
        // The models folder the server is told to use is a mounted volume, not the container's own filesystem.
        var models = DeploySettings.OfContainer(GatewayContainer(manifests), manifests, gateway.ToString())
            .Single(kv => kv.Key.Equals("TAKASE__ModelsDirectory", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Contains(GatewayContainer(manifests).Seq("volumeMounts").Cast<YamlMappingNode>(), m => m.Text("mountPath") == models);
    }

    [Fact]
    public void Container_ports_equal_the_Service_targetPort_and_the_server_default_port()
    {
        var manifests = DeployFiles.Manifests();
        var serverPort = HostAddress.Parse(new TakaseServerOptions().Host).Port;
        var container = GatewayContainer(manifests);
        var ports = container.Seq("ports").Cast<YamlMappingNode>().ToList();
        var http = Assert.Single(ports);
        Assert.Equal(serverPort, int.Parse(http.Text("containerPort")));

        var gatewayLabels = Labels(Gateway(manifests).Root.Map("spec").Map("template").Map("metadata").Map("labels"));
        var service = manifests.Single(m => m.Kind == "Service" && Labels(m.Root.Map("spec").Map("selector")).All(kv => gatewayLabels.GetValueOrDefault(kv.Key) == kv.Value));
        foreach (var port in service.Root.Map("spec").Seq("ports").Cast<YamlMappingNode>())
            Assert.Equal(serverPort, ResolvePort(port.Text("targetPort"), ports, service.ToString()));

        // The port the node listens on (Takase:Host) is the one the container declares.
        var host = DeploySettings.OfContainer(container, manifests, "gateway").Single(kv => kv.Key.Equals("TAKASE__Host", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal(serverPort, HostAddress.Parse(host).Port);
    }

    [Fact]
    public void Liveness_is_api_version_and_readiness_is_api_ready_on_the_container_port()
    {
        var manifests = DeployFiles.Manifests();
        var container = GatewayContainer(manifests);
        var ports = container.Seq("ports").Cast<YamlMappingNode>().ToList();
        var liveness = container.Map("livenessProbe").Map("httpGet");
        var readiness = container.Map("readinessProbe").Map("httpGet");
        Assert.Equal("/api/version", liveness.Text("path"));
        Assert.Equal("/api/ready", readiness.Text("path"));
        var serverPort = HostAddress.Parse(new TakaseServerOptions().Host).Port;
        Assert.Equal(serverPort, ResolvePort(liveness.Text("port"), ports, "livenessProbe"));
        Assert.Equal(serverPort, ResolvePort(readiness.Text("port"), ports, "readinessProbe"));
    }

    [Fact]
    public async Task Every_probe_path_is_answered_by_a_real_server_that_requires_keys_and_waits_for_a_model()
    {
        var manifests = DeployFiles.Manifests();
        var container = GatewayContainer(manifests);
        var probes = new[] { "livenessProbe", "readinessProbe", "startupProbe" }
            .Select(p => (Name: p, Probe: container.MapOrNull(p)))
            .Where(p => p.Probe is not null)
            .Select(p => (p.Name, Path: p.Probe!.Map("httpGet").Text("path")))
            .ToList();
        var healthcheck = DeployFiles.Dockerfile().Single(i => i.Keyword == "HEALTHCHECK");
        probes.Add(("Dockerfile HEALTHCHECK", new Uri(healthcheck.HealthcheckUrl()).AbsolutePath));

        // As deployed: listening beyond loopback needs keys (the probes send none), and a preload still pending.
        using var dir = new TempDir();
        await using var app = TakaseServer.Build([], o =>
        {
            o.Host = "127.0.0.1:0";
            o.Auth.Required = "true";
            o.ModelsDirectory = dir.Path;
            o.IncludeOllamaModels = false;
            o.Database.Path = dir.File("takase.db");
            o.Preload = ["not-on-the-volume-yet"];
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        foreach (var (name, path) in probes)
        {
            var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable,
                $"{name} probes {path}, which answers {(int)response.StatusCode}; a probe needs 200 (ready) or 503 (not yet)");
        }
        // Alive while not ready: a node loading its models is not restarted, only kept out of the Service.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(container.Map("livenessProbe").Map("httpGet").Text("path"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(container.Map("readinessProbe").Map("httpGet").Text("path"), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public void Every_TAKASE_setting_of_the_gateway_binds_to_a_server_option_with_its_value()
    {
        var manifests = DeployFiles.Manifests();
        var settings = DeploySettings.OfContainer(GatewayContainer(manifests), manifests, "gateway").ToList();
        Assert.NotEmpty(settings);
        Assert.Equal(settings.Count, settings.Select(kv => kv.Key.ToUpperInvariant()).Distinct().Count()); // one source per setting
        var options = DeploySettings.Bind(settings);
        foreach (var (name, value) in settings)
        {
            var bound = DeploySettings.OptionValue(options, name);
            Assert.True(DeploySettings.Same(bound, value), $"{name}='{value}' did not arrive: the option holds '{bound}'");
        }
        // Several nodes share one store: the manifests must choose PostgreSQL, with its connection string and key.
        Assert.Equal(Takase.Server.Persistence.DatabaseProvider.Postgres, options.Database.ResolveProvider());
        Assert.False(string.IsNullOrEmpty(options.Database.EncryptionKey));
    }

    [Fact]
    public void Every_Secret_key_the_manifests_read_is_created_by_the_README()
    {
        var manifests = DeployFiles.Manifests();
        var readme = File.ReadAllText(Path.Combine(DeployFiles.Folder, "README.md"));
        var references = manifests.Where(m => m.Kind is "Deployment" or "StatefulSet")
            .SelectMany(m => m.Containers)
            .SelectMany(c => c.SeqOrEmpty("env").Cast<YamlMappingNode>())
            .Select(e => e.MapOrNull("valueFrom")?.MapOrNull("secretKeyRef"))
            .OfType<YamlMappingNode>()
            .ToList();
        Assert.NotEmpty(references);
        foreach (var secret in references)
        {
            var command = $"kubectl -n takase create secret generic {secret.Text("name")}";
            Assert.Contains(command, readme);
            Assert.Contains($"--from-literal={secret.Text("key")}=", readme);
        }
    }

    private static Dictionary<string, string> Labels(YamlMappingNode node) =>
        node.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);

    /// <summary>A probe's or Service's port: a number, or the name of one of the container's ports.</summary>
    private static int ResolvePort(string port, IReadOnlyList<YamlMappingNode> containerPorts, string where)
    {
        if (int.TryParse(port, out var number)) return number;
        var named = containerPorts.SingleOrDefault(p => p.TextOrNull("name") == port)
            ?? throw new Xunit.Sdk.XunitException($"{where} names port '{port}', which the container does not declare");
        return int.Parse(named.Text("containerPort"));
    }
}
