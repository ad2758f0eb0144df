using Takase.Library.GoTemplates;
using Takase.Server.Ollama;

namespace Takase.Server.Tests.Ollama;

/// <summary>/api/generate's "template" field goes through the library's Go-template engine, as Ollama's does.</summary>
public class GoTemplateTests
{
    [Theory]
    // Ollama's own library templates, as /api/generate's template field uses them: the prompt ends where the answer begins.
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
    // Newer templates read the conversation from .Messages.
    [InlineData("{{ range .Messages }}<{{ .Role }}>{{ .Content }}{{ end }}<assistant>", "S", "P", "<system>S<user>P<assistant>")]
    public void RendersThePromptAsOllamaWould(string template, string? system, string prompt, string expected) =>
        Assert.Equal(expected, OllamaCalls.RenderTemplate(template, system, prompt));

    [Theory]
    [InlineData("{{ if .System }}open")]
    [InlineData("text {{ end }}")]
    [InlineData("{{ .Prompt ")]
    [InlineData("{{ .Prompt | nosuchfunction }}")]
    public void RefusesTemplatesThatDoNotParseAndSaysWhere(string template)
    {
        var e = Assert.Throws<GoTemplateException>(() => OllamaCalls.RenderTemplate(template, null, "p"));
        Assert.Contains("template line 1, column", e.Message);
    }
}
