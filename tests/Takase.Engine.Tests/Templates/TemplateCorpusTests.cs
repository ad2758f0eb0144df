using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;
using Takase.Engine.Tests.Support;

namespace Takase.Engine.Tests.Templates;

/// <summary>
/// Every real chat template in shared/data/templates × every conversation case, rendered and compared byte for byte
/// with what Python's jinja2 produced under Hugging Face's settings (tools/render_chat_templates.py wrote the
/// expected files; when jinja2 raised, the same exception type and message are expected).
/// </summary>
public class TemplateCorpusTests
{
    private static readonly string FixtureDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "templates");
    private static readonly Lazy<JsonObject> Manifest = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(FixtureDir, "cases.json")))!.AsObject());

    private static readonly Dictionary<string, ChatTemplate> Parsed = [];

    /// <summary>The instant strftime_now sees, the same the Python generator used.</summary>
    public static DateTime FixedNow => DateTime.Parse((string)Manifest.Value["fixed_now"]!, CultureInfo.InvariantCulture);

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, entry) in Manifest.Value["templates"]!.AsObject())
            foreach (var c in entry!["cases"]!.AsArray())
                data.Add(name, (string)c!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RendersLikeJinja2(string template, string caseName)
    {
        var chat = Load(template);
        var globals = Globals(template, caseName);
        var expectedBase = Path.Combine(FixtureDir, "expected", template, caseName);

        if (File.Exists(expectedBase + ".txt"))
        {
            var expected = File.ReadAllText(expectedBase + ".txt", Encoding.UTF8);
            var actual = chat.Render(globals);
            Assert.Equal(expected, actual);
            return;
        }

        var error = JsonNode.Parse(File.ReadAllText(expectedBase + ".error.json"))!;
        var ex = Assert.Throws<TemplateException>(() => chat.Render(globals));
        Assert.Equal((string)error["type"]!, ex.PythonErrorType);
        Assert.Equal((string)error["message"]!, ex.Reason);
    }

    public static TheoryData<string, string> MutableCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (name, entry) in Manifest.Value["templates"]!.AsObject())
            if (entry!["mutable_cases"] is JsonArray cases)
                foreach (var c in cases) data.Add(name, (string)c!);
        return data;
    }

    /// <summary>
    /// Cases where HF's immutable sandbox refuses list.append (Kimi K2's tool-call queue), rendered with
    /// AllowMutation against jinja2's mutable SandboxedEnvironment.
    /// </summary>
    [Theory]
    [MemberData(nameof(MutableCases))]
    public void RendersLikeMutableJinja2WhenMutationIsAllowed(string template, string caseName)
    {
        var source = File.ReadAllText(SharedData.Path($"templates/{template}.jinja"), Encoding.UTF8);
        var chat = new ChatTemplate(source) { Clock = () => FixedNow, AllowMutation = true };
        var expected = File.ReadAllText(Path.Combine(FixtureDir, "expected", template, caseName + ".mutable.txt"), Encoding.UTF8);
        Assert.Equal(expected, chat.Render(Globals(template, caseName)));
    }

    [Fact]
    public void EveryCorpusTemplateParses()
    {
        var dir = Path.GetDirectoryName(SharedData.Path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"))!;
        var files = Directory.GetFiles(dir, "*.jinja");
        Assert.True(files.Length >= 60, $"expected the ~70 corpus templates in {dir}, found {files.Length}");
        foreach (var file in files)
        {
            var ex = Record.Exception(() => ChatTemplate.Parse(File.ReadAllText(file)));
            Assert.True(ex is null, $"{Path.GetFileName(file)}: {ex?.Message}");
        }
    }

    private static ChatTemplate Load(string template)
    {
        lock (Parsed)
        {
            if (!Parsed.TryGetValue(template, out var chat))
            {
                var source = File.ReadAllText(SharedData.Path($"templates/{template}.jinja"), Encoding.UTF8);
                chat = new ChatTemplate(source) { Clock = () => FixedNow };
                Parsed[template] = chat;
            }
            return chat;
        }
    }

    /// <summary>The variables HF's apply_chat_template passes, built from the same JSON the Python generator used.</summary>
    internal static Dictionary<string, object?> Globals(string template, string caseName)
    {
        var c = Manifest.Value["cases"]![caseName]!.AsObject();
        var globals = new Dictionary<string, object?>
        {
            ["messages"] = ChatTemplate.FromJson(c["messages"]),
            ["tools"] = ChatTemplate.FromJson(c["tools"]),
            ["documents"] = null,
            ["add_generation_prompt"] = (bool)c["add_generation_prompt"]!,
        };
        foreach (var (k, v) in Manifest.Value["templates"]![template]!["tokens"]!.AsObject())
            if (v is not null) globals[k] = (string)v!;
        if (c["extra"] is JsonObject extra)
            foreach (var (k, v) in extra) globals[k] = ChatTemplate.FromJson(v);
        return globals;
    }
}
