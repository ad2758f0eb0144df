using Takase.Server.Ollama;

namespace Takase.Server.Tests.Ollama;

public class GoTemplateTests
{
    [Theory]
    // Ollama's own library templates, as far as /api/generate's template field uses them.
    [InlineData("{{ .Prompt }}", "sys", "hi", "hi")]
    [InlineData("{{ if .System }}<|system|>\n{{ .System }}</s>\n{{ end }}<|user|>\n{{ .Prompt }}</s>\n<|assistant|>\n{{ .Response }}</s>", "Be kind.", "Hello",
        "<|system|>\nBe kind.</s>\n<|user|>\nHello</s>\n<|assistant|>\n")]
    [InlineData("{{ if .System }}<|system|>\n{{ .System }}</s>\n{{ end }}<|user|>\n{{ .Prompt }}</s>\n<|assistant|>\n", "", "Hello",
        "<|user|>\nHello</s>\n<|assistant|>\n")]
    [InlineData("[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }} [/INST]", null, "Hi", "[INST] Hi [/INST]")]
    [InlineData("{{- if .System }}S: {{ .System }}\n{{- end }}\nU: {{ .Prompt }}", "x", "y", "S: x\nU: y")]
    [InlineData("A {{- .Prompt -}} B", null, "p", "ApB")]
    [InlineData("{{ if .System }}has{{ else }}none{{ end }}|{{ $.Prompt }}", null, "p", "none|p")]
    [InlineData("{{/* a comment */}}{{ .Prompt }}", null, "p", "p")]
    [InlineData("{{ if .Prompt }}{{ if .System }}{{ .System }}: {{ end }}{{ .Prompt }}{{ end }}", "S", "P", "S: P")]
    public void RendersTheSubsetAsGoWould(string template, string? system, string prompt, string expected) =>
        Assert.Equal(expected, GoTemplate.Parse(template).Render(system, prompt));

    [Theory]
    [InlineData("{{ range .Messages }}{{ .Content }}{{ end }}", "range .Messages")]
    [InlineData("{{ .Prompt | upper }}", ".Prompt | upper")]
    [InlineData("{{ json .Tools }}", "json .Tools")]
    [InlineData("{{ if .System }}open", "not closed with {{ end }}")]
    [InlineData("text {{ end }}", "has no matching {{ if }}")]
    [InlineData("{{ .Prompt ", "unclosed action")]
    [InlineData("line one\n{{ .Suffix }}", "at line 2")]
    public void RefusesWhatItCannotRenderAndSaysWhere(string template, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => GoTemplate.Parse(template));
        Assert.Contains(message, e.Message);
    }
}
