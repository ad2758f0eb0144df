using YamlDotNet.RepresentationModel;

namespace Takase.Server.Tests.Deploy;

/// <summary>
/// The files of deploy/ read from the repository (found upward from the test binary): every YAML document of
/// deploy/k8s, and the Dockerfile's instructions. Tests skip with a clear message where the repository is absent.
/// </summary>
internal static class DeployFiles
{
    /// <summary>The repository's deploy/ folder; skips the calling test when the repository is not above the binary.</summary>
    public static string Folder
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Takase.slnx")))
                    return Path.Combine(dir.FullName, "deploy");
            Assert.Skip($"the repository (Takase.slnx) is not above {AppContext.BaseDirectory}; deploy/ is read from it");
            return null!;
        }
    }

    /// <summary>The repository root (the folder above deploy/).</summary>
    public static string RepositoryRoot => Path.GetDirectoryName(Folder)!;

    /// <summary>Every document of every deploy/k8s/*.yaml, parsed (a syntax error fails here, naming the file).</summary>
    public static IReadOnlyList<Manifest> Manifests()
    {
        var list = new List<Manifest>();
        foreach (var file in Directory.GetFiles(Path.Combine(Folder, "k8s"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(file);
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                Assert.Fail($"{Path.GetFileName(file)} is not valid YAML at {e.Start}: {e.Message}");
            }
            foreach (var document in stream.Documents)
            {
                Assert.True(document.RootNode is YamlMappingNode, $"a document of {Path.GetFileName(file)} is not a mapping");
                list.Add(new Manifest(Path.GetFileName(file), (YamlMappingNode)document.RootNode));
            }
        }
        return list;
    }

    /// <summary>The Dockerfile's instructions, continuation lines joined and comments dropped.</summary>
    public static IReadOnlyList<DockerInstruction> Dockerfile() => DockerInstruction.Parse(File.ReadAllLines(Path.Combine(Folder, "docker", "Dockerfile")));
}

/// <summary>One Kubernetes object of a manifest file.</summary>
internal sealed record Manifest(string File, YamlMappingNode Root)
{
    public string Kind => Root.Text("kind");
    public string ApiVersion => Root.Text("apiVersion");
    public string Name => Root.Map("metadata").Text("name");
    public string? Namespace => Root.Map("metadata").TextOrNull("namespace");
    public override string ToString() => $"{Kind}/{Name} ({File})";

    /// <summary>The pod template's spec of a Deployment or StatefulSet.</summary>
    public YamlMappingNode PodSpec => Root.Map("spec").Map("template").Map("spec");

    /// <summary>The containers of a workload's pod template.</summary>
    public IEnumerable<YamlMappingNode> Containers => PodSpec.Seq("containers").Cast<YamlMappingNode>();
}

/// <summary>Small readers over YamlDotNet's node model that fail with the path that is missing.</summary>
internal static class Yaml
{
    public static YamlNode? Get(this YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    public static YamlMappingNode Map(this YamlMappingNode node, string key) =>
        node.Get(key) as YamlMappingNode ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing or not a mapping at {node.Start}");

    public static YamlMappingNode? MapOrNull(this YamlMappingNode node, string key) => node.Get(key) as YamlMappingNode;

    public static YamlSequenceNode Seq(this YamlMappingNode node, string key) =>
        node.Get(key) as YamlSequenceNode ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing or not a list at {node.Start}");

    public static IEnumerable<YamlNode> SeqOrEmpty(this YamlMappingNode node, string key) =>
        node.Get(key) as YamlSequenceNode ?? (IEnumerable<YamlNode>)[];

    public static string Text(this YamlMappingNode node, string key) =>
        node.TextOrNull(key) ?? throw new Xunit.Sdk.XunitException($"'{key}' is missing or not a scalar at {node.Start}");

    public static string? TextOrNull(this YamlMappingNode node, string key) => (node.Get(key) as YamlScalarNode)?.Value;
}

/// <summary>One Dockerfile instruction: its keyword (upper case), its arguments, and the stage it belongs to.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Stage, int Line)
{
    /// <summary>
    /// Splits a Dockerfile into instructions: '#' lines are comments (parser directives included), a trailing '\'
    /// continues the instruction on the next line, and each FROM starts a new stage (numbered from 0).
    /// </summary>
    public static IReadOnlyList<DockerInstruction> Parse(IReadOnlyList<string> lines)
    {
        var result = new List<DockerInstruction>();
        var stage = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var start = i;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Count)
            {
                var next = lines[++i].Trim();
                if (next.StartsWith('#')) continue; // comments inside a continued instruction are dropped
                text = text[..^1].TrimEnd() + " " + next;
            }
            var space = text.IndexOf(' ');
            var keyword = (space < 0 ? text : text[..space]).ToUpperInvariant();
            if (keyword == "FROM") stage++;
            result.Add(new DockerInstruction(keyword, space < 0 ? "" : text[(space + 1)..].Trim(), stage, start + 1));
        }
        return result;
    }

    /// <summary>The ENV assignments of this instruction ("K=V K2=V2", quotes removed, or the legacy "K V").</summary>
    public IEnumerable<KeyValuePair<string, string>> EnvAssignments()
    {
        if (!Arguments.Contains('='))
        {
            var space = Arguments.IndexOf(' ');
            yield return new(Arguments[..space], Arguments[(space + 1)..].Trim());
            yield break;
        }
        foreach (var word in SplitWords(Arguments))
        {
            var eq = word.IndexOf('=');
            yield return new(word[..eq], word[(eq + 1)..]);
        }
    }

    /// <summary>The http:// address a HEALTHCHECK instruction's command fetches.</summary>
    public string HealthcheckUrl() =>
        SplitWords(Arguments).FirstOrDefault(w => w.StartsWith("http://", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"HEALTHCHECK (line {Line}) fetches no http:// address: {Arguments}");

    /// <summary>Shell-like words: spaces separate them except inside double quotes, which are removed.</summary>
    public static IEnumerable<string> SplitWords(string text)
    {
        var word = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"') { quoted = !quoted; continue; }
            if (c == ' ' && !quoted)
            {
                if (word.Length > 0) yield return word.ToString();
                word.Clear();
                continue;
            }
            word.Append(c);
        }
        if (word.Length > 0) yield return word.ToString();
    }
}
