using System.Text.Json.Nodes;
using Takase.Library.GoTemplates;

namespace Takase.Library.Tests.GoTemplates;

/// <summary>
/// Templates in the style of Ollama's built-in ones, rendered for the conversations Ollama's own template tests use;
/// expected strings derived by hand from Go's text/template rules (trim markers especially).
/// </summary>
public class OllamaPromptTemplateTests
{
    private static readonly TemplateMessage System = new("system", "You are a helpful assistant.");
    private static readonly TemplateMessage User1 = new("user", "Hello, how are you?");
    private static readonly TemplateMessage Assistant1 = new("assistant", "I'm doing great. How can I help you today?");
    private static readonly TemplateMessage User2 = new("user", "I'd like to show off how chat templating works!");

    private static string Render(string template, params TemplateMessage[] messages) =>
        OllamaPromptTemplate.Parse(template).Execute(new OllamaTemplateValues { Messages = messages });

    private const string Llama3 =
        "{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>\n{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n";

    [Fact]
    public void Llama3RendersEveryMessageAndOpensTheAssistantTurn() =>
        Assert.Equal(
            "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nHello, how are you?<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nI'm doing great. How can I help you today?<|eot_id|>"
            + "<|start_header_id|>user<|end_header_id|>\n\nI'd like to show off how chat templating works!<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(Llama3, System, User1, Assistant1, User2));

    private const string ChatMlMessages = "\n{{- range $index, $_ := .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

    private const string ChatMlLegacy =
        "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}<|im_start|>assistant\n{{ .Response }}<|im_end|>\n";

    [Theory]
    [InlineData(ChatMlMessages)]
    [InlineData(ChatMlLegacy)]
    public void ChatMlRendersTheSameThroughMessagesOrPromptResponseTurns(string template)
    {
        var messages = new TemplateMessage[] { new("system", "You are a helpful assistant!"), new("user", "Hello friend!"), new("assistant", "Hello human!"), new("user", "What is your name?") };
        Assert.Equal(
            "<|im_start|>system\nYou are a helpful assistant!<|im_end|>\n<|im_start|>user\nHello friend!<|im_end|>\n"
            + "<|im_start|>assistant\nHello human!<|im_end|>\n<|im_start|>user\nWhat is your name?<|im_end|>\n<|im_start|>assistant\n",
            Render(template, messages));
    }

    [Theory]
    // Neither .Messages nor .Response: Ollama appends {{ .Response }}.
    [InlineData("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] ")]
    [InlineData("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}{{ .Prompt }}[/INST] {{ .Response }}")]
    [InlineData("[INST] {{ if .System }}{{ .System }}\n\n{{ end }}\n{{- range .Messages }}\n{{- if eq .Role \"user\" }}{{ .Content }}[/INST] {{ else if eq .Role \"assistant\" }}{{ .Content }}[INST] {{ end }}\n{{- end }}")]
    public void MistralStyleTemplatesAgreeWithAndWithoutMessages(string template)
    {
        Assert.Equal("[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] ",
            Render(template, new("user", "Hello friend!"), new("assistant", "Hello human!"), new("user", "What is your name?")));
        Assert.Equal("[INST] You are a helpful assistant!\n\nHello friend![/INST] Hello human![INST] What is your name?[/INST] ",
            Render(template, new("system", "You are a helpful assistant!"), new("user", "Hello friend!"), new("assistant", "Hello human!"), new("user", "What is your name?")));
    }

    [Fact]
    public void APromptResponseTemplateContinuesAnUnfinishedAssistantTurn() =>
        Assert.Equal("[INST] Hello friend![/INST] Hello human![INST] What is your name?[/INST] My name is Ollama and I",
            Render("[INST] {{ .Prompt }}[/INST] {{ .Response }}",
                new("user", "Hello friend!"), new("assistant", "Hello human!"), new("user", "What is your name?"), new("assistant", "My name is Ollama and I")));

    private const string MistralInstruct =
        "{{- if .Messages }}\n{{- range $index, $_ := .Messages }}\n{{- if eq .Role \"user\" }}[INST] {{ if and $.System (eq (len (slice $.Messages $index)) 1) }}{{ $.System }}\n{{ end }}{{ .Content }}\n{{- else if eq .Role \"assistant\" }}[/INST] {{ .Content }}</s>\n{{- end }}\n{{- end }}[/INST]\n{{- else -}}\n[INST] {{ if .System }}{{ .System }} {{ end }}{{ .Prompt }}[/INST] {{ .Response }}</s>\n{{- end -}}";

    [Fact]
    public void MistralInstructPutsTheSystemPromptIntoTheLastUserTurn() =>
        Assert.Equal(
            "[INST] Hello, how are you?[/INST] I'm doing great. How can I help you today?</s>[INST] You are a helpful assistant.\nI'd like to show off how chat templating works![/INST]",
            Render(MistralInstruct, System, User1, Assistant1, User2));

    private const string GemmaInstruct =
        "{{- if .Messages }}\n{{- range $index, $_ := .Messages }}<start_of_turn>\n{{- if eq .Role \"user\" }}user\n{{- if and $.System (eq $index 0) }}\n{{ $.System }}\n{{- end }}\n{{- else if eq .Role \"assistant\" }}model\n{{- end }}\n{{ .Content }}<end_of_turn>\n{{ end }}<start_of_turn>model\n{{ else -}}\n<start_of_turn>user\n{{ if .System }}{{ .System }}\n{{ end }}{{ .Prompt }}<end_of_turn>\n<start_of_turn>model\n{{ .Response }}<end_of_turn>\n{{ end -}}";

    [Fact]
    public void GemmaRenamesTheAssistantToModel() =>
        Assert.Equal(
            "<start_of_turn>user\nHello, how are you?<end_of_turn>\n<start_of_turn>model\nI'm doing great. How can I help you today?<end_of_turn>\n"
            + "<start_of_turn>user\nI'd like to show off how chat templating works!<end_of_turn>\n<start_of_turn>model\n",
            Render(GemmaInstruct, User1, Assistant1, User2));

    private const string Phi3 =
        "{{ if .System }}<|system|>\n{{ .System }}<|end|>\n{{ end }}{{ if .Prompt }}<|user|>\n{{ .Prompt }}<|end|>\n{{ end }}<|assistant|>\n{{ .Response }}<|end|>";

    [Fact]
    public void Phi3RendersTurnByTurnAndCutsTheLastAfterResponse() =>
        Assert.Equal(
            "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello, how are you?<|end|>\n<|assistant|>\nI'm doing great. How can I help you today?<|end|>"
            + "<|user|>\nI'd like to show off how chat templating works!<|end|>\n<|assistant|>\n",
            Render(Phi3, System, User1, Assistant1, User2));

    private const string Alpaca =
        "{{- $system := \"\" }}\n{{- range .Messages }}\n{{- if eq .Role \"system\" }}\n{{- if not $system }}{{ $system = .Content }}\n{{- else }}{{ $system = printf \"%s\\n\\n%s\" $system .Content }}\n{{- end }}\n{{- else if eq .Role \"user\" }}\n{{- if $system }}{{ $system }}\n\n{{ $system = \"\" }}\n{{- end }}### Instruction:\n{{ .Content }}\n\n{{ else if eq .Role \"assistant\" }}### Response:\n{{ .Content }}\n\n{{ end }}\n{{- end }}### Response:\n";

    [Fact]
    public void AlpacaCarriesTheSystemPromptInAVariable()
    {
        Assert.Equal(
            "You are a helpful assistant.\n\n### Instruction:\nHello, how are you?\n\n### Response:\nI'm doing great. How can I help you today?\n\n"
            + "### Instruction:\nI'd like to show off how chat templating works!\n\n### Response:\n",
            Render(Alpaca, System, User1, Assistant1, User2));
        // Consecutive system messages are merged by collate; separated ones are joined by the template's printf.
        Assert.Equal("A\n\nB\n\n### Instruction:\nq\n\n### Response:\n", Render(Alpaca, new("system", "A"), new("system", "B"), new("user", "q")));
        Assert.Equal("### Response:\nr\n\nA\n\nB\n\n### Instruction:\nq\n\n### Response:\n",
            Render(Alpaca, new("system", "A"), new("assistant", "r"), new("system", "B"), new("user", "q")));
    }

    private const string Vicuna = "{{ if .System }}{{ .System }}\n\n{{ end }}{{ if .Prompt }}USER: {{ .Prompt }}\n{{ end }}ASSISTANT: {{ .Response }}</s>\n";

    [Fact]
    public void VicunaLegacyTemplate() =>
        Assert.Equal(
            "USER: Hello, how are you?\nASSISTANT: I'm doing great. How can I help you today?</s>\nUSER: I'd like to show off how chat templating works!\nASSISTANT: ",
            Render(Vicuna, User1, Assistant1, User2));

    [Fact]
    public void ConsecutiveMessagesOfOneRoleAreMergedExceptToolResults()
    {
        var (system, collated) = OllamaPromptTemplate.Collate(
            [new("system", "S1"), new("system", "S2"), new("user", "a"), new("user", "b"), new("tool", "t1"), new("tool", "t2")]);
        Assert.Equal("S1\n\nS2", system);
        Assert.Equal([new("system", "S1\n\nS2"), new("user", "a\n\nb"), new("tool", "t1"), new("tool", "t2")], collated);
    }

    private const string ToolsTemplate =
        "{{- if .Tools }}Tools:\n{{- range .Tools }}\n{{ json . }}\n{{- end }}\n{{ end }}\n{{- range .Messages }}\n{{- if .ToolCalls }}{{ range .ToolCalls }}CALL {{ .Function.Name }} {{ .Function.Arguments }}\n{{ end }}\n{{- else if eq .Role \"tool\" }}RESULT {{ .Content }}\n{{ else }}{{ .Role }}: {{ .Content }}\n{{ end }}\n{{- end }}";

    [Fact]
    public void ToolsAndToolCallsPrintAsOllamasJson()
    {
        var tool = TemplateTool.FromJson(JsonNode.Parse("""
            {"type":"function","function":{"name":"get_weather","description":"Weather <now>",
             "parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","description":"City name"}}}}}
            """)!);
        var call = new TemplateToolCall(TemplateToolCallFunction.FromJson("get_weather", JsonNode.Parse("""{"city":"Paris","days":2}""")!.AsObject()));
        var values = new OllamaTemplateValues
        {
            Tools = [tool],
            Messages = [new("user", "Weather in Paris?"), new("assistant", "") { ToolCalls = [call] }, new("tool", "sunny") { ToolName = "get_weather" }],
        };
        const string toolJson = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather \\u003cnow\\u003e\",\"parameters\":{\"type\":\"object\",\"required\":[\"city\"],\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"City name\"}}}}}";
        Assert.Equal(
            "Tools:\n" + toolJson + "\nuser: Weather in Paris?\nCALL get_weather {\"city\":\"Paris\",\"days\":2}\nRESULT sunny\n",
            OllamaPromptTemplate.Parse(ToolsTemplate).Execute(values));
        // {{ . }} on a tool prints its JSON too. Tools only reach templates that use .Messages, as in Ollama.
        Assert.Equal(toolJson, OllamaPromptTemplate.Parse("{{ range .Tools }}{{ . }}{{ end }}{{ range .Messages }}{{ end }}").Execute(values));
        Assert.Equal("", OllamaPromptTemplate.Parse("{{ range .Tools }}{{ . }}{{ end }}").Execute(values));
    }

    [Fact]
    public void PromptAndSuffixSelectFillInTheMiddle()
    {
        var t = OllamaPromptTemplate.Parse("{{- if .Suffix }}<PRE> {{ .Prompt }} <SUF>{{ .Suffix }} <MID>\n{{- else }}{{ .Prompt }}\n{{- end }}");
        Assert.Equal("<PRE> def add( <SUF>return x <MID>", t.Execute(new OllamaTemplateValues { Prompt = "def add(", Suffix = "return x" }));
        Assert.Equal("hello", t.Execute(new OllamaTemplateValues { Messages = [new("user", "hello")] }));
    }

    [Fact]
    public void ChatPutsTheModelSystemFirstThenModelfileMessagesThenTheRequest()
    {
        var t = OllamaPromptTemplate.Parse(ChatMlMessages);
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nexample<|im_end|>\n<|im_start|>assistant\nanswer<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
            t.RenderChat([new("user", "hi")], modelSystem: "Be brief.", modelMessages: [new("user", "example"), new("assistant", "answer")]));
        // A request that brings its own system message replaces the model's.
        Assert.StartsWith("<|im_start|>system\nMine<|im_end|>\n<|im_start|>user\nhi",
            t.RenderChat([new("system", "Mine"), new("user", "hi")], modelSystem: "Be brief."));
        Assert.Equal("hi", OllamaPromptTemplate.Default.RenderChat([new("user", "hi")]));
    }

    [Fact]
    public void ChatTruncationDropsTheOldestTurnsButKeepsSystemAndTheLastMessage()
    {
        var t = OllamaPromptTemplate.Parse("{{ range .Messages }}[{{ .Content }}]{{ end }}");
        TemplateMessage[] messages = [new("system", "S"), new("user", "one"), new("assistant", "two"), new("user", "three")];
        // Tokens counted as characters: a budget of 12 fits "[S][three]" (10) but not "[S][two][three]" (15).
        Assert.Equal("[S][three]", t.RenderChat(messages, countTokens: p => p.Length, contextLength: 12));
        Assert.Equal("[S][one][two][three]", t.RenderChat(messages, countTokens: p => p.Length, contextLength: 100));
        Assert.Equal("[S][three]", t.RenderChat(messages, countTokens: p => p.Length, contextLength: 1));
    }

    [Fact]
    public void VarsDecideTheRenderingPath()
    {
        Assert.True(OllamaPromptTemplate.Parse(ChatMlMessages).UsesMessages);
        Assert.False(OllamaPromptTemplate.Parse(ChatMlLegacy).UsesMessages);
        Assert.Equal(["prompt", "system"], OllamaPromptTemplate.Parse("{{ .System }} {{ .Prompt }}").Vars);
    }
}
