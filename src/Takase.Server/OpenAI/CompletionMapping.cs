using System.Text.Json;
using Takase.Server.Inference;

namespace Takase.Server.OpenAI;

/// <summary>One prompt of a text completion request: text, or token ids sent as they are.</summary>
internal sealed record CompletionPrompt(string? Text, int[]? Tokens);

/// <summary>
/// A checked text completion request: one raw <see cref="CompletionCall"/> per choice; choice i answers prompt
/// i / ChoicesPerPrompt.
/// </summary>
internal sealed record CompletionPlan(IReadOnlyList<CompletionPrompt> Prompts, int ChoicesPerPrompt, IReadOnlyList<CompletionCall> Calls,
    bool Stream, bool IncludeUsage, bool Logprobs, bool Echo);

/// <summary>
/// Turns a <see cref="CreateCompletionRequest"/> into raw completions — the prompt continued as it is, without the
/// chat template, as OpenAI's /v1/completions does. Every refusal names its field.
/// </summary>
internal static class CompletionMapping
{
    /// <summary>Most prompts × n one request may ask for.</summary>
    public const int MaxCompletions = 64;

    /// <summary>Checks <paramref name="request"/> and builds the plan; a library model's <paramref name="modelParameters"/> fill in what the request leaves out.</summary>
    /// <exception cref="OpenAiRequestException">a field is missing, of the wrong shape or out of range.</exception>
    public static CompletionPlan ToPlan(CreateCompletionRequest request, System.Text.Json.Nodes.JsonObject? modelParameters = null)
    {
        if (string.IsNullOrWhiteSpace(request.Model))
            throw new OpenAiRequestException("You must provide a model parameter.", "model");
        if (!string.IsNullOrEmpty(request.Suffix))
            throw new OpenAiRequestException("Invalid 'suffix': fill-in-the-middle completions are not supported by this model.", "suffix", "unsupported_parameter");
        var prompts = Prompts(request.Prompt);
        var n = OpenAiOptions.Choices(request.N);
        if (request.BestOf is { } bestOf && bestOf != n && bestOf > 1)
            throw new OpenAiRequestException($"Invalid 'best_of': only best_of equal to n ({n}) is supported, but got {bestOf}.", "best_of", "unsupported_parameter");
        if (prompts.Count * n > MaxCompletions)
            throw new OpenAiRequestException($"Invalid 'prompt': {prompts.Count} prompts × n = {n} is more than the {MaxCompletions} completions one request may ask for.", "prompt");
        if (request.Logprobs is < 0 or > 20)
            throw new OpenAiRequestException($"Invalid 'logprobs': expected a value between 0 and 20, but got {request.Logprobs} instead.", "logprobs");
        // OpenAI's default for this endpoint is 16 tokens.
        var maxTokens = request.MaxTokens is null ? 16 : OpenAiOptions.MaxTokens(request.MaxTokens, "max_tokens");
        var sampling = new OpenAiOptions.Sampling(request.Temperature, request.TopP, request.PresencePenalty,
            request.FrequencyPenalty, request.Seed, request.LogitBias, request.Stop, maxTokens, request.MaxTokens is not null);

        var calls = new List<CompletionCall>(prompts.Count * n);
        foreach (var prompt in prompts)
            for (var i = 0; i < n; i++)
                calls.Add(new CompletionCall
                {
                    Model = request.Model,
                    Raw = true,
                    // Token prompts travel as the "context" of an empty prompt, so they reach the model unchanged.
                    Prompt = prompt.Text ?? "",
                    Context = prompt.Tokens,
                    TopLogprobs = request.Logprobs ?? -1,
                    Options = OpenAiOptions.Build(sampling, i, modelParameters),
                    ContextLength = OpenAiOptions.ContextLength(modelParameters),
                });
        var stream = request.Stream == true;
        return new CompletionPlan(prompts, n, calls, stream, stream && request.StreamOptions?.IncludeUsage == true,
            request.Logprobs is not null, request.Echo == true);
    }

    private static List<CompletionPrompt> Prompts(JsonElement? prompt)
    {
        if (prompt is not { } p || p.ValueKind == JsonValueKind.Null)
            throw new OpenAiRequestException("Missing required parameter: 'prompt'.", "prompt");
        if (p.ValueKind == JsonValueKind.String) return [new CompletionPrompt(p.GetString(), null)];
        if (p.ValueKind != JsonValueKind.Array)
            throw new OpenAiRequestException(
                $"Invalid type for 'prompt': expected a string, an array of strings, an array of token ids or an array of token id arrays, but got {OpenAiJson.Describe(p)} instead.", "prompt");
        if (p.GetArrayLength() == 0)
            throw new OpenAiRequestException("Invalid 'prompt': empty array. Expected at least one prompt.", "prompt");
        var first = p[0].ValueKind;
        if (first == JsonValueKind.Number) return [new CompletionPrompt(null, Tokens(p, "prompt"))];
        var prompts = new List<CompletionPrompt>();
        var i = 0;
        foreach (var item in p.EnumerateArray())
        {
            var param = $"prompt[{i++}]";
            if (item.ValueKind == JsonValueKind.String && first == JsonValueKind.String) prompts.Add(new CompletionPrompt(item.GetString(), null));
            else if (item.ValueKind == JsonValueKind.Array && first == JsonValueKind.Array) prompts.Add(new CompletionPrompt(null, Tokens(item, param)));
            else
                throw new OpenAiRequestException(
                    $"Invalid type for '{param}': the prompts of one request are all strings or all token id arrays, but got {OpenAiJson.Describe(item)}.", param);
        }
        return prompts;
    }

    /// <summary>A non-empty array of token ids.</summary>
    internal static int[] Tokens(JsonElement array, string param)
    {
        if (array.GetArrayLength() == 0)
            throw new OpenAiRequestException($"Invalid '{param}': an empty array of token ids.", param);
        var tokens = new int[array.GetArrayLength()];
        var i = 0;
        foreach (var t in array.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out var id) || id < 0)
                throw new OpenAiRequestException($"Invalid '{param}[{i}]': expected a token id (a non-negative integer), but got {OpenAiJson.Describe(t)} instead.", $"{param}[{i}]");
            tokens[i++] = id;
        }
        return tokens;
    }
}
