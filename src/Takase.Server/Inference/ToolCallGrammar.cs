using System.Text.Json.Nodes;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;

namespace Takase.Server.Inference;

/// <summary>
/// Forces a tool call (OpenAI's tool_choice "required" or a named function): a grammar that admits exactly one call
/// of one of the allowed tools, in the syntax the model's chat template teaches — Hermes/Qwen
/// <c>&lt;tool_call&gt;{…}&lt;/tool_call&gt;</c>, Mistral <c>[TOOL_CALLS][{…}]</c>, or a bare JSON object (Llama 3.x,
/// with "parameters" where its template names them so) — with the arguments constrained by each tool's JSON schema.
/// </summary>
public static class ToolCallGrammar
{
    /// <summary>The grammar for a call of one of <paramref name="tools"/> under the template <paramref name="templateSource"/>.</summary>
    /// <exception cref="JsonSchemaException">a tool's parameter schema cannot be compiled.</exception>
    public static Grammar For(IReadOnlyList<JsonNode> tools, string? templateSource)
    {
        var template = templateSource ?? "";
        var hermes = template.Contains("<tool_call>", StringComparison.Ordinal);
        var mistral = template.Contains("[TOOL_CALLS]", StringComparison.Ordinal);
        var argumentsKey = !hermes && !mistral && template.Contains("\"parameters\"", StringComparison.Ordinal) ? "parameters" : "arguments";
        var options = new JsonArray();
        foreach (var tool in tools)
        {
            var fn = tool["function"] as JsonObject ?? tool as JsonObject ?? throw new JsonSchemaException("#", "a tool is not an object");
            var name = (string?)fn["name"] ?? throw new JsonSchemaException("#", "a tool has no name");
            var parameters = fn["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object" };
            options.Add(new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["name"] = new JsonObject { ["const"] = name }, [argumentsKey] = parameters },
                ["required"] = new JsonArray("name", argumentsKey),
                ["additionalProperties"] = false,
            });
        }
        var gbnf = JsonSchemaGrammar.ToGbnf(options.Count == 1 ? options[0]!.DeepClone() : new JsonObject { ["anyOf"] = options });
        if (hermes) return Grammar.Parse(gbnf + "\ntool-call ::= \"<tool_call>\\n\" root \"\\n</tool_call>\"\n", "tool-call");
        if (mistral) return Grammar.Parse(gbnf + "\ntool-call ::= \"[TOOL_CALLS][\" root \"]\"\n", "tool-call");
        return Grammar.Parse(gbnf);
    }
}
