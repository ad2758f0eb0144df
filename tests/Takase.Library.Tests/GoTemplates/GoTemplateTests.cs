using Takase.Library.GoTemplates;

namespace Takase.Library.Tests.GoTemplates;

public class GoTemplateTests
{
    private static string Run(string template, Dictionary<string, object?>? data = null) =>
        GoTemplate.Parse(template).Execute(data ?? []);

    [Theory]
    [InlineData("a  {{- 1 -}}  b", "a1b")]
    [InlineData("a \n {{- 1 }} \n b", "a1 \n b")]
    [InlineData("{{-3}}", "-3")]
    [InlineData("x {{- /* a comment */ -}} \n y", "xy")]
    [InlineData("{{/* a\nmultiline comment */}}z", "z")]
    [InlineData("{{ \"tab\\there\" }}|{{ `raw\\n` }}|{{ 'a' }}|{{ 0x1F }}|{{ 1.5 }}", "tab\there|raw\\n|97|31|1.5")]
    [InlineData("{{ true }} {{ false }}", "true false")]
    public void TextTrimmingCommentsAndConstantsFollowGo(string template, string expected) =>
        Assert.Equal(expected, Run(template));

    [Fact]
    public void MissingMapKeysPrintNoValueAndAreFalse() =>
        Assert.Equal("x<no value>no", Run("{{ .A }}{{ .B }}{{ if .B }}yes{{ else }}no{{ end }}", new() { ["A"] = "x" }));

    [Fact]
    public void RangeGivesIndexAndElementAndFallsBackToElse()
    {
        const string t = "{{ range $i, $m := .L }}{{ $i }}={{ $m }};{{ else }}none{{ end }}";
        Assert.Equal("0=a;1=b;", Run(t, new() { ["L"] = new List<object?> { "a", "b" } }));
        Assert.Equal("none", Run(t, new() { ["L"] = new List<object?>() }));
        Assert.Equal("a=1;b=2;", Run("{{ range $k, $v := .M }}{{ $k }}={{ $v }};{{ end }}",
            new() { ["M"] = new Dictionary<string, object?> { ["b"] = 2L, ["a"] = 1L } }));
        Assert.Equal("ab", Run("{{ range $e := .L }}{{ $e }}{{ end }}", new() { ["L"] = new List<object?> { "a", "b" } }));
    }

    [Fact]
    public void BreakContinueAndVariableScopes()
    {
        var data = new Dictionary<string, object?> { ["L"] = new List<object?> { "a", "b", "c" } };
        Assert.Equal("a", Run("{{ range .L }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}", data));
        Assert.Equal("ac", Run("{{ range .L }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}", data));
        // = assigns the outer variable; := inside a block shadows only until {{ end }}.
        Assert.Equal("2", Run("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"));
        Assert.Equal("1", Run("{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ end }}{{ $x }}"));
        Assert.Equal("c", Run("{{ range .L }}{{ $.Last }}{{ end }}", new() { ["L"] = new List<object?> { 1L }, ["Last"] = "c" }));
    }

    [Fact]
    public void WithIfElseIfAndLogic()
    {
        var data = new Dictionary<string, object?> { ["A"] = "x", ["B"] = "", ["N"] = 3L };
        Assert.Equal("[x]", Run("{{ with .A }}[{{ . }}]{{ else }}empty{{ end }}", data));
        Assert.Equal("empty", Run("{{ with .B }}[{{ . }}]{{ else }}empty{{ end }}", data));
        Assert.Equal("two", Run("{{ if eq .N 1 }}one{{ else if eq .N 3 }}two{{ else }}three{{ end }}", data));
        Assert.Equal("yes", Run("{{ if and .A (not .B) }}yes{{ end }}", data));
        Assert.Equal("default|x|", Run("{{ or .B \"default\" }}|{{ and .B .A }}{{ and .A .A }}|", data));
        Assert.Equal("true true false true", Run("{{ lt .N 4 }} {{ ge .N 3 }} {{ ne .A \"x\" }} {{ eq .N 1 2 3 }}", data));
        Assert.Equal("x", Run("{{ .A | print }}", data));
    }

    [Fact]
    public void LenIndexSliceCountGoBytesAndElements()
    {
        var data = new Dictionary<string, object?> { ["L"] = new List<object?> { "a", "b", "c" }, ["S"] = "héllo" };
        Assert.Equal("3 b [b c] [a]", Run("{{ len .L }} {{ index .L 1 }} {{ slice .L 1 }} {{ slice .L 0 1 }}", data));
        Assert.Equal("6 llo 104", Run("{{ len .S }} {{ slice .S 3 }} {{ index .S 0 }}", data));
        Assert.Equal("true", Run("{{ eq (len (slice .L 2)) 1 }}", data));
        Assert.Equal("b", Run("{{ (index .M 0).Name }}", new() { ["M"] = new List<object?> { new Dictionary<string, object?> { ["Name"] = "b" } } }));
    }

    [Fact]
    public void PrintAndPrintfFollowFmt()
    {
        Assert.Equal("a-3-\"b\\n\"-true", Run("{{ printf \"%s-%d-%q-%v\" \"a\" 3 \"b\\n\" true }}"));
        Assert.Equal(" 3.14|x  |007", Run("{{ printf \"%5.2f|%-3s|%03d\" 3.14159 \"x\" 7 }}"));
        Assert.Equal("1 2ab3", Run("{{ print 1 2 \"a\" \"b\" 3 }}"));
        Assert.Equal("a b\n", Run("{{ println \"a\" \"b\" }}"));
        Assert.Equal("%!d(string=x) %!s(MISSING)", Run("{{ printf \"%d %s\" \"x\" }}"));
        Assert.Equal("1e+06 123456 1.5e-05", Run("{{ 1000000.0 }} {{ 123456.0 }} {{ 0.000015 }}"));
    }

    [Fact]
    public void JsonIsGoMarshalWithHtmlEscapingAndSortedMaps()
    {
        var data = new Dictionary<string, object?>
        {
            ["M"] = new Dictionary<string, object?> { ["b"] = 1.0, ["a"] = "<x>&", ["c"] = new List<object?> { true, null, 0.5 } },
        };
        Assert.Equal("{\"a\":\"\\u003cx\\u003e\\u0026\",\"b\":1,\"c\":[true,null,0.5]}", Run("{{ json .M }}", data));
        Assert.Equal("\"line\\nbreak \\u2028\"", Run("{{ json \"line\\nbreak \\u2028\" }}"));
    }

    [Fact]
    public void VarsListsFieldAndVariableNamesLowerCased()
    {
        Assert.Equal(["prompt", "system"], GoTemplate.Parse("{{ .System }} {{ .Prompt }}").Vars());
        Assert.Equal(["content", "messages", "role"], GoTemplate.Parse("{{ range .Messages }}{{ .Role }} {{ .Content }}{{ end }}").Vars());
        Assert.Equal(["$", "messages", "system"], GoTemplate.Parse("{{ range .Messages }}{{ $.System }}{{ end }}").Vars());
    }

    [Theory]
    [InlineData("ab\n{{ .A ", 2, 1, "unclosed action")]
    [InlineData("{{ foo .A }}", 1, 4, "function \"foo\" not defined")]
    [InlineData("{{ html .A }}", 1, 4, "not supported")]
    [InlineData("x\n{{ if .A }}y", 2, 13, "missing its {{ end }}")]
    [InlineData("{{ end }}", 1, 4, "unexpected {{ end }}")]
    [InlineData("{{ template \"x\" }}", 1, 4, "{{ template }} is not supported")]
    [InlineData("{{ define \"x\" }}{{ end }}", 1, 4, "{{ define }} is not supported")]
    [InlineData("{{ $y }}", 1, 4, "undefined variable \"$y\"")]
    [InlineData("{{ break }}", 1, 4, "outside {{ range }}")]
    [InlineData("{{ \"open }}", 1, 4, "unterminated quoted string")]
    [InlineData("{{/* never closed }}", 1, 1, "unclosed comment")]
    [InlineData("{{ .A ; }}", 1, 7, "unrecognized character")]
    [InlineData("{{ nil }}", 1, 4, "nil is not a command")]
    public void ParseErrorsNamePositionAndConstruct(string template, int line, int column, string problem)
    {
        var e = Assert.Throws<GoTemplateException>(() => GoTemplate.Parse(template));
        Assert.Contains(problem, e.Message);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void ExecutionErrorsNamePositionAndConstruct()
    {
        var data = new Dictionary<string, object?>
        {
            ["Messages"] = new List<TemplateMessage> { new("user", "hi") },
            ["L"] = new List<object?> { "a" },
        };
        var e = Assert.Throws<GoTemplateException>(() => Run("{{ range .Messages }}\n  {{ .Nope }}{{ end }}", data));
        Assert.Equal((2, 6, ".Nope"), (e.Line, e.Column, e.Construct));
        Assert.Contains("can't evaluate field Nope in type *api.Message", e.Message);

        e = Assert.Throws<GoTemplateException>(() => Run("{{ index .L 5 }}", data));
        Assert.Equal(("index", "error calling index: index out of range: 5"), (e.Construct, e.Problem));
        e = Assert.Throws<GoTemplateException>(() => Run("{{ eq 1 \"a\" }}", data));
        Assert.Contains("incompatible types for comparison", e.Problem);
        e = Assert.Throws<GoTemplateException>(() => Run("{{ lt true false }}", data));
        Assert.Contains("invalid type for comparison", e.Problem);
        e = Assert.Throws<GoTemplateException>(() => Run("{{ .L \"x\" }}", data));
        Assert.Contains("cannot take arguments", e.Problem);
        e = Assert.Throws<GoTemplateException>(() => Run("{{ range .L }}{{ .Role }}{{ end }}", data));
        Assert.Contains("can't evaluate field Role in type string", e.Problem);
    }
}
