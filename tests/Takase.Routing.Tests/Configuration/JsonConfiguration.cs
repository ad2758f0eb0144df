using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace Takase.Routing.Tests.Configuration;

/// <summary>
/// A test double of <see cref="IConfiguration"/> over flat "A:B:C" keys, filled from JSON the way the JSON provider
/// flattens appsettings.json (objects by property, arrays by index, empty arrays as a null value) or from
/// environment-variable style pairs. The real ConfigurationBuilder is not referenced by this test project.
/// </summary>
internal sealed class JsonConfiguration : IConfigurationSection
{
    private readonly Dictionary<string, string?> _data;

    private JsonConfiguration(Dictionary<string, string?> data, string path) => (_data, Path) = (data, path);

    public static JsonConfiguration FromJson(string json)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        Flatten(doc.RootElement, "", data);
        return new JsonConfiguration(data, "");
    }

    public static JsonConfiguration FromPairs(params (string Key, string? Value)[] pairs) =>
        new(pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase), "");

    private static void Flatten(JsonElement e, string path, Dictionary<string, string?> data)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var p in e.EnumerateObject()) { any = true; Flatten(p.Value, Join(path, p.Name), data); }
                if (!any && path.Length > 0) data[path] = null;
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray()) Flatten(item, Join(path, (i++).ToString(CultureInfo.InvariantCulture)), data);
                if (i == 0 && path.Length > 0) data[path] = null;
                break;
            case JsonValueKind.Null:
                data[path] = null;
                break;
            default:
                data[path] = e.ValueKind == JsonValueKind.String ? e.GetString() : e.ToString();
                break;
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + ":" + key;

    public string Key => Path[(Path.LastIndexOf(':') + 1)..];
    public string Path { get; }

    public string? Value
    {
        get => _data.GetValueOrDefault(Path);
        set => throw new NotSupportedException();
    }

    public string? this[string key]
    {
        get => _data.GetValueOrDefault(Join(Path, key));
        set => throw new NotSupportedException();
    }

    public IConfigurationSection GetSection(string key) => new JsonConfiguration(_data, Join(Path, key));

    public IEnumerable<IConfigurationSection> GetChildren()
    {
        var prefix = Path.Length == 0 ? "" : Path + ":";
        return _data.Keys
            .Where(k => k.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && k.Length > prefix.Length)
            .Select(k => k[prefix.Length..].Split(':')[0])
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(k => new JsonConfiguration(_data, prefix + k))
            .ToList();
    }

    public IChangeToken GetReloadToken() => throw new NotSupportedException();
}
