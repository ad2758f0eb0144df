using System.Text;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;
using Takase.Engine.Tests.Support;

namespace Takase.Engine.Tests.Templates;

/// <summary>The public API's own promises: errors users can act on, the chat convenience, the clock, the value model.</summary>
public class ChatTemplateTests
{
    private static string Render(string source, Dictionary<string, object?>? globals = null) =>
        ChatTemplate.Parse(source).Render(globals ?? []);

    [Theory]
    [InlineData("a\n{% include 'header.jinja' %}", 2, "include")]
    [InlineData("{% extends 'base.jinja' %}", 1, "extends")]
    [InlineData("{% import 'macros.jinja' as m %}", 1, "import")]
    [InlineData("x\ny\n{% block body %}{% endblock %}", 3, "block")]
    [InlineData("{% with a = 1 %}{{ a }}{% endwith %}", 1, "with")]
    [InlineData("{% for x in xs recursive %}{{ loop(x) }}{% endfor %}", 1, "recursive")]
    [InlineData("{% if true %}\n{{ 'x'|urlize }}\n{% endif %}", 2, "urlize")]
    public void UnsupportedConstructsFailAtParseTimeNamingConstructAndLine(string source, int line, string construct)
    {
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse(source));
        Assert.Equal(TemplateErrorKind.Unsupported, ex.Kind);
        Assert.Equal(line, ex.Line);
        Assert.Contains(construct, ex.Message);
        Assert.Contains($"line {line}", ex.Message);
    }

    [Fact]
    public void SyntaxErrorsCarryTheLine()
    {
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("ok\n{% if x %}\n{{ 1 + }}\n{% endif %}"));
        Assert.Equal(TemplateErrorKind.Syntax, ex.Kind);
        Assert.Equal(3, ex.Line);
    }

    [Fact]
    public void BreakOutsideALoopIsASyntaxError()
    {
        var ex = Assert.Throws<TemplateException>(() => ChatTemplate.Parse("{% if true %}{% break %}{% endif %}"));
        Assert.Equal(TemplateErrorKind.Syntax, ex.Kind);
        Assert.Equal("'break' outside loop", ex.Reason);
    }

    [Fact]
    public void RaiseExceptionCarriesTheTemplatesMessageVerbatim()
    {
        var template = ChatTemplate.Parse("{% for m in messages %}\n{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}\n{% endfor %}");
        var globals = new Dictionary<string, object?>
        {
            ["messages"] = ChatTemplate.FromJson(JsonNode.Parse("""[{"role": "system", "content": "hi"}]""")),
        };
        var ex = Assert.Throws<TemplateException>(() => template.Render(globals));
        Assert.Equal(TemplateErrorKind.Raised, ex.Kind);
        Assert.Equal("System role not supported", ex.Message);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void RuntimeErrorsSayWhereInTheTemplate()
    {
        var ex = Assert.Throws<TemplateException>(() => Render("line one\n{% set x = 1 %}\n{{ x + 'a' }}"));
        Assert.Equal(TemplateErrorKind.Type, ex.Kind);
        Assert.Equal("unsupported operand type(s) for +: 'int' and 'str'", ex.Reason);
        Assert.Equal(3, ex.Line);
        Assert.EndsWith("(template line 3)", ex.Message);
    }

    [Fact]
    public void StrftimeNowReadsTheInjectedClock()
    {
        var template = new ChatTemplate("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%B %d, %Y') }}")
        {
            Clock = () => new DateTime(2024, 2, 9, 8, 0, 0),
        };
        Assert.Equal("09 Feb 2024|February 09, 2024", template.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void AcceptsOtherClrNumbersAndKeepsIntFloatApart()
    {
        var globals = new Dictionary<string, object?> { ["i"] = 3, ["f"] = 2.5f, ["m"] = 1.0m, ["l"] = new[] { 1, 2 } };
        Assert.Equal("3 2.5 1.0 [1, 2] 6", Render("{{ i }} {{ f }} {{ m }} {{ l }} {{ i * 2 }}", globals));
    }

    [Fact]
    public void FromJsonKeepsKeyOrderAndPythonNumberTypes()
    {
        var value = ChatTemplate.FromJson(JsonNode.Parse("""{"z": 1, "a": 1.0, "m": [true, null, "x"], "big": 1e3}"""));
        Assert.Equal("{'z': 1, 'a': 1.0, 'm': [True, None, 'x'], 'big': 1000.0}", Render("{{ v }}", new() { ["v"] = value }));
    }

    [Fact]
    public void ImmutableSandboxRefusesAppendUnlessMutationIsAllowed()
    {
        const string source = "{% set ns = namespace(ids=[]) %}{% set _ = ns.ids.append('a') %}{{ ns.ids }}";
        var ex = Assert.Throws<TemplateException>(() => Render(source));
        Assert.Equal(TemplateErrorKind.Security, ex.Kind);
        Assert.Equal("['a']", new ChatTemplate(source) { AllowMutation = true }.Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void ChatMessagesRenderLikeTheHuggingFaceMessageDicts()
    {
        // The corpus fixture for Qwen2.5's tool_use case was rendered from plain message dicts by jinja2;
        // the typed API must hand the template the same values.
        var source = File.ReadAllText(SharedData.Path("templates/Qwen-Qwen2.5-7B-Instruct.jinja"), Encoding.UTF8);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "templates", "cases.json")))!;
        var toolCase = manifest["cases"]!["tool_use"]!;
        var messages = toolCase["messages"]!.AsArray().Select(m => new ChatMessage((string)m!["role"]!, (string?)m["content"])
        {
            ToolCalls = m["tool_calls"]?.AsArray().Select(c => new ChatToolCall(
                (string)c!["id"]!, (string)c["function"]!["name"]!, c["function"]!["arguments"]!.DeepClone())).ToList(),
            ToolCallId = (string?)m["tool_call_id"],
            Name = (string?)m["name"],
        }).ToList();
        var options = new ChatRenderOptions
        {
            Tools = toolCase["tools"]!.AsArray().Select(t => t!.DeepClone()).ToList(),
            AddGenerationPrompt = true,
            EosToken = "<|im_end|>",
        };

        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "templates", "expected",
            "Qwen-Qwen2.5-7B-Instruct", "tool_use.txt"), Encoding.UTF8);
        Assert.Equal(expected, ChatTemplate.Parse(source).Render(messages, options));
    }

    [Fact]
    public void ChatOptionsPassExtraVariables()
    {
        var template = ChatTemplate.Parse("{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}{{ enable_thinking }}{{ tools }}{% if add_generation_prompt %}>{% endif %}");
        var output = template.Render([new ChatMessage("user", "hi"), new ChatMessage("assistant", null)], new ChatRenderOptions
        {
            BosToken = "<s>",
            AddGenerationPrompt = true,
            Variables = new Dictionary<string, object?> { ["enable_thinking"] = false },
        });
        Assert.Equal("<s>user:hi;assistant:None;FalseNone>", output);
    }

    [Fact]
    public void AParsedTemplateRendersConcurrently()
    {
        var template = ChatTemplate.Parse("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}");
        var results = new string[64];
        Parallel.For(0, results.Length, i =>
            results[i] = template.Render(new Dictionary<string, object?> { ["xs"] = Enumerable.Range(0, i).Select(x => (object?)(long)x).ToList() }));
        for (var i = 0; i < results.Length; i++) Assert.Equal((i * (i - 1) / 2).ToString(), results[i]);
    }
}
