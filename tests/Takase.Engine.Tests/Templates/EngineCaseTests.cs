using System.Globalization;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;

namespace Takase.Engine.Tests.Templates;

/// <summary>
/// One small template per engine feature (whitespace control, loop variables, macros, namespace, filters, tests,
/// Python str()/repr(), error messages), each compared with what Python's jinja2 rendered or raised under HF's
/// settings (tools/templates-engine-cases.py, generated into Fixtures/templates/engine_cases.json).
/// </summary>
public class EngineCaseTests
{
    private static readonly Lazy<JsonObject> Document = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "templates", "engine_cases.json")))!.AsObject());

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in Document.Value["cases"]!.AsArray()) data.Add((string)c!["name"]!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesJinja2(string name)
    {
        var c = Document.Value["cases"]!.AsArray().Single(x => (string)x!["name"]! == name)!;
        var variables = (Dictionary<string, object?>)((IReadOnlyDictionary<string, object?>)ChatTemplate.FromJson(Document.Value["variables"])!)
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (k, v) in c["vars"]!.AsObject()) variables[k] = ChatTemplate.FromJson(v);
        var fixedNow = DateTime.Parse((string)Document.Value["fixed_now"]!, CultureInfo.InvariantCulture);
        var mutable = c["mutable"] is not null && (bool)c["mutable"]!;
        var source = (string)c["template"]!;

        string Render() => new ChatTemplate(source) { Clock = () => fixedNow, AllowMutation = mutable }.Render(variables);

        if (c["error"] is { } error)
        {
            var ex = Assert.Throws<TemplateException>(Render);
            Assert.Equal((string)error["type"]!, ex.PythonErrorType);
            Assert.Equal((string)error["message"]!, ex.Reason);
        }
        else
        {
            Assert.Equal((string)c["expected"]!, Render());
        }
    }
}
