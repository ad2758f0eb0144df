using System.Collections;
using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Takase.Server.Hosting;
using YamlDotNet.RepresentationModel;

namespace Takase.Server.Tests.Deploy;

/// <summary>
/// The TAKASE__… settings the deployment files give a node, and the check that each one reaches the option it
/// names through the server's own configuration binding.
/// </summary>
internal static class DeploySettings
{
    /// <summary>The prefix of Takase's configuration section in environment variable form.</summary>
    public const string Prefix = "TAKASE__";

    /// <summary>
    /// The TAKASE__ variables of a container: its ConfigMaps (envFrom) and its own env entries. A value from a Secret
    /// is not in the manifests, so a sample of the right form stands in for it.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> OfContainer(YamlMappingNode container, IReadOnlyList<Manifest> manifests, string where)
    {
        foreach (var source in container.SeqOrEmpty("envFrom").Cast<YamlMappingNode>())
        {
            var name = source.Map("configMapRef").Text("name");
            var map = manifests.SingleOrDefault(m => m.Kind == "ConfigMap" && m.Name == name)
                ?? throw new Xunit.Sdk.XunitException($"{where} reads ConfigMap '{name}', which no manifest defines");
            foreach (var (key, value) in map.Root.Map("data").Children)
                if (((YamlScalarNode)key).Value!.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
                    yield return new(((YamlScalarNode)key).Value!, ((YamlScalarNode)value).Value ?? "");
        }
        foreach (var entry in container.SeqOrEmpty("env").Cast<YamlMappingNode>())
        {
            var name = entry.Text("name");
            if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) continue;
            yield return new(name, entry.TextOrNull("value") ?? SampleSecret(name));
        }
    }

    /// <summary>The TAKASE__ variables the Dockerfile's final stage sets.</summary>
    public static IEnumerable<KeyValuePair<string, string>> OfDockerfile(IReadOnlyList<DockerInstruction> instructions)
    {
        var final = instructions.Max(i => i.Stage);
        return instructions.Where(i => i.Stage == final && i.Keyword == "ENV")
            .SelectMany(i => i.EnvAssignments())
            .Where(kv => kv.Key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Binds <paramref name="variables"/> with the server's own binding, as configuration keys named the way the
    /// environment provider names them (TAKASE__A__B is TAKASE:A:B; keys are case-insensitive), then validates them as
    /// the server does at start.
    /// </summary>
    public static TakaseServerOptions Bind(IEnumerable<KeyValuePair<string, string>> variables)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(variables.Select(kv => new KeyValuePair<string, string?>(ConfigurationKey(kv.Key), kv.Value)))
            .Build();
        var options = TakaseServerOptions.FromConfiguration(configuration);
        options.Validate();
        return options;
    }

    /// <summary>"TAKASE__Database__Provider" → "TAKASE:Database:Provider".</summary>
    public static string ConfigurationKey(string variable) => variable.Replace("__", ":", StringComparison.Ordinal);

    /// <summary>
    /// The value the option named by <paramref name="variable"/> holds in <paramref name="options"/>, found by
    /// walking its properties (case-insensitively, as the binder matches them; a number indexes a list).
    /// </summary>
    public static object? OptionValue(TakaseServerOptions options, string variable)
    {
        var path = ConfigurationKey(variable).Split(':');
        Assert.True(path.Length > 1 && path[0].Equals("Takase", StringComparison.OrdinalIgnoreCase), $"{variable} is not under the Takase section");
        object? current = options;
        foreach (var segment in path.Skip(1))
        {
            if (current is IList list && int.TryParse(segment, out var index))
            {
                Assert.True(index < list.Count, $"{variable}: the list has {list.Count} entries, index {index} did not bind");
                current = list[index];
                continue;
            }
            var property = current?.GetType().GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            Assert.True(property is not null, $"{variable} names no option: {current?.GetType().Name} has no property '{segment}'");
            current = property!.GetValue(current);
        }
        return current;
    }

    /// <summary>Whether <paramref name="bound"/> is what the text <paramref name="configured"/> means for its type.</summary>
    public static bool Same(object? bound, string configured) => bound switch
    {
        null => false,
        string s => s == configured,
        _ => Equals(bound, TypeDescriptor.GetConverter(bound.GetType()).ConvertFromInvariantString(configured)),
    };

    /// <summary>A value of the right form for a setting kept in a Secret, by the option it sets.</summary>
    private static string SampleSecret(string variable) => variable.Split("__")[^1].ToLowerInvariant() switch
    {
        "encryptionkey" => Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)(i * 11)).ToArray()),
        "connectionstring" => "Host=takase-postgres;Username=takase;Password=sample;Database=takase",
        _ => "sample-secret-value-0123456789abcdef",
    };
}
