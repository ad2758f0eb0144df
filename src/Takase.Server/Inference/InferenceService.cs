using System.Diagnostics;
using Takase.Engine;
using Takase.Engine.Grammars;
using Takase.Library.GoTemplates;
using Takase.Library.Store;
using Takase.Engine.Models;
using Takase.Engine.Sampling;
using Takase.Engine.Scheduling;
using Takase.Engine.Templates;
using Takase.Server.Models;

namespace Takase.Server.Inference;

/// <summary>Embeddings of a request's inputs.</summary>
public sealed record EmbedResult(string Model, IReadOnlyList<float[]> Embeddings, int PromptTokens, TimeSpan LoadDuration, TimeSpan TotalDuration);

/// <summary>
/// What the HTTP APIs call: turns chat and completion requests into prompt tokens (chat template, tools, thinking),
/// submits them to the model's scheduler and hands back a streaming <see cref="InferenceSession"/>; computes
/// embeddings; tokenizes and detokenizes. The Ollama and OpenAI endpoints are thin translations around this.
/// </summary>
public sealed class InferenceService(ModelManager models, IOutputConstraintFactory? constraints = null)
{
    /// <summary>Starts a chat answer.</summary>
    public async Task<InferenceSession> ChatAsync(ChatCall call, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var lease = await models.AcquireAsync(call.Model, call.KeepAlive, cancel);
        try
        {
            var lm = lease.Model.Model;
            var context = ContextFor(lease, call.ContextLength);
            // A library model made from a Modelfile brings its SYSTEM and MESSAGE history, as in Ollama.
            var stored = lease.Model.Entry.Stored;
            var messages = (stored?.Messages ?? []).Select(m => new ChatMessage(m.Role, m.Content)).Concat(call.Messages).ToList();
            if (stored?.System is { } system && !messages.Any(m => m.Role == "system")) messages.Insert(0, new ChatMessage("system", system));
            string? rendered = null;
            int[] prompt;
            while (true)
            {
                rendered = RenderMessages(lm, stored, messages, call.Tools is { Count: > 0 } ? call.Tools : null, call.Think);
                // No template at all: the conversation's texts, one after another, continued as plain text.
                prompt = rendered is null
                    ? lm.TokenizePrompt(string.Join("\n\n", messages.Select(m => m.Content ?? "")))
                    : lm.TokenizePrompt(rendered, parseSpecial: true);
                if (prompt.Length < context || !call.Truncate) break;
                // Truncation asked for: drop the oldest turn after any system prompt, keeping the last message.
                var oldest = messages.FindIndex(m => m.Role != "system");
                if (oldest < 0 || oldest == messages.Count - 1) break;
                messages.RemoveAt(oldest);
            }
            var toolNames = call.Tools is { Count: > 0 } ? ToolNames(call.Tools) : null;
            if (call.RequireToolCall)
            {
                if (call.Tools is not { Count: > 0 }) throw new ArgumentException("a tool call was required but no tools were given");
                if (call.Format is not null) throw new ArgumentException("a required tool call and a response format cannot be combined");
            }
            return Submit(lease, call, prompt, context, clock, Thinking(lm, call.Think, rendered), toolNames, cancel);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Starts a completion.</summary>
    public async Task<InferenceSession> CompleteAsync(CompletionCall call, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var lease = await models.AcquireAsync(call.Model, call.KeepAlive, cancel);
        try
        {
            var lm = lease.Model.Model;
            var context = ContextFor(lease, call.ContextLength);
            string? rendered = null;
            int[] prompt;
            var stored = lease.Model.Entry.Stored;
            if (call.Raw || (lm.ChatTemplate is null && stored?.Template is null))
                prompt = call.Context is { Count: > 0 }
                    ? lm.Tokenizer.Encode(call.Prompt, addSpecial: false, parseSpecial: call.Raw)
                    : lm.Tokenizer.Encode(call.Prompt, addSpecial: true, parseSpecial: call.Raw);
            else
            {
                List<ChatMessage> messages = [];
                var system = string.IsNullOrEmpty(call.System) ? stored?.System : call.System;
                if (!string.IsNullOrEmpty(system)) messages.Add(new ChatMessage("system", system));
                messages.Add(new ChatMessage("user", call.Prompt));
                rendered = RenderMessages(lm, stored, messages, null, call.Think)!;
                prompt = call.Context is { Count: > 0 }
                    ? lm.Tokenizer.Encode(rendered, addSpecial: false, parseSpecial: true)
                    : lm.TokenizePrompt(rendered, parseSpecial: true);
            }
            if (call.Context is { Count: > 0 } previous) prompt = [.. previous, .. prompt];
            if (prompt.Length >= context && call.Truncate)
                prompt = [.. prompt.Take(call.Options.KeepTokens), .. prompt.Skip(prompt.Length - (context - 1 - call.Options.KeepTokens))];
            return Submit(lease, call, prompt, context, clock, call.Raw ? null : Thinking(lm, call.Think, rendered), null, cancel);
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    /// <summary>Embeds each input (one after another through the model's scheduler).</summary>
    public async Task<EmbedResult> EmbedAsync(EmbedCall call, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var lease = await models.AcquireAsync(call.Model, call.KeepAlive, cancel);
        var lm = lease.Model.Model;
        var context = ContextFor(lease, call.ContextLength);
        if (call.Dimensions is < 1 || call.Dimensions > lm.Model.Config.EmbeddingLength)
            throw new ArgumentException($"dimensions must be between 1 and {lm.Model.Config.EmbeddingLength} for {lease.Model.Entry.Name}, not {call.Dimensions}");
        var jobs = new List<GenerationJob>();
        var tokens = 0;
        var prompts = call.TokenInputs is { } given ? given.Select(t => t.ToArray()) : call.Inputs.Select(i => lm.TokenizePrompt(i));
        foreach (var prompt in prompts)
        {
            var ids = prompt;
            if (ids.Length > context)
            {
                if (!call.Truncate) throw new ContextOverflowException(context, ids.Length);
                ids = ids[..context];
            }
            tokens += ids.Length;
            jobs.Add(lease.Model.Scheduler.Submit(new GenerationRequest { Prompt = ids, Embed = true, ContextLength = context }, cancel));
        }
        var vectors = new List<float[]>();
        foreach (var job in jobs)
        {
            float[]? vector = null;
            await foreach (var e in job.Events.ReadAllAsync(cancel))
            {
                if (e.Error is not null) throw e.Error;
                vector ??= e.Embedding;
            }
            if (vector is null) throw new OperationCanceledException("the embedding was cancelled");
            if (call.Dimensions is { } d) vector = vector[..d];
            if (call.Normalize || call.Dimensions is not null) Normalize(vector);
            vectors.Add(vector);
        }
        return new EmbedResult(lease.Model.Entry.Name, vectors, tokens, lease.LoadDuration, clock.Elapsed);
    }

    /// <summary>Token ids of <paramref name="text"/> under the model's tokenizer.</summary>
    public async Task<int[]> TokenizeAsync(string model, string text, bool addSpecial, bool parseSpecial, TimeSpan? keepAlive, CancellationToken cancel)
    {
        using var lease = await models.AcquireAsync(model, keepAlive, cancel);
        return lease.Model.Model.Tokenizer.Encode(text, addSpecial, parseSpecial);
    }

    /// <summary>Text of <paramref name="tokens"/> under the model's tokenizer.</summary>
    public async Task<string> DetokenizeAsync(string model, IReadOnlyList<int> tokens, TimeSpan? keepAlive, CancellationToken cancel)
    {
        using var lease = await models.AcquireAsync(model, keepAlive, cancel);
        var tokenizer = lease.Model.Model.Tokenizer;
        foreach (var t in tokens)
            if ((uint)t >= (uint)tokenizer.VocabSize) throw new ArgumentException($"token id {t} is outside the vocabulary of {tokenizer.VocabSize}");
        return tokenizer.Decode(tokens);
    }

    private InferenceSession Submit(ModelLease lease, InferenceCall call, int[] prompt, int context, Stopwatch clock,
        ThinkingSplitter? thinking, IReadOnlySet<string>? toolNames, CancellationToken cancel)
    {
        var tokenizer = lease.Model.Model.Tokenizer;
        // A prompt that does not fit is an error, never silently cut: truncation is opt-in (call.Truncate, applied
        // above), and context shifting only lets a generation run on past the end of the window.
        if (prompt.Length >= context) throw new ContextOverflowException(context, prompt.Length);
        ITokenConstraint? constraint = null;
        if (call is ChatCall { RequireToolCall: true, Tools: { } tools })
            constraint = new GrammarConstraint(ToolCallGrammar.For(tools, lease.Model.Model.ChatTemplate?.Source), tokenizer);
        else if (call.Format is not null)
            constraint = (constraints ?? throw new NotSupportedException("structured output (format / response_format) is not available in this build"))
                .Create(call.Format, tokenizer);
        var job = lease.Model.Scheduler.Submit(new GenerationRequest
        {
            Prompt = prompt,
            Options = call.Options,
            ContextLength = context,
            Constraint = constraint,
            TopLogprobs = call.TopLogprobs,
        }, cancel);
        return new InferenceSession(lease, job, clock, prompt, thinking, toolNames);
    }

    private static int ContextFor(ModelLease lease, int? requested)
    {
        if (requested is < 1 or > 1 << 20) throw new ArgumentException($"num_ctx must be between 1 and {1 << 20}, not {requested}");
        return requested ?? lease.Model.Scheduler.DefaultContextLength;
    }

    /// <summary>
    /// The prompt text of a conversation: a library model's own TEMPLATE (Ollama's Go syntax, from its Modelfile) when it
    /// has one, else the GGUF's chat template (Jinja); null when the model has neither.
    /// </summary>
    private static string? RenderMessages(LanguageModel lm, StoredModel? stored, IReadOnlyList<ChatMessage> messages,
        IReadOnlyList<System.Text.Json.Nodes.JsonNode>? tools, bool? think)
    {
        if (stored?.Template is { } goTemplate)
            return ParsedTemplates.Get(goTemplate).Execute(new OllamaTemplateValues
            {
                Messages = messages.Select(ToTemplateMessage).ToList(),
                Tools = tools?.Select(TemplateTool.FromJson).ToList() ?? [],
                Think = think ?? false,
                IsThinkSet = think is not null,
            });
        if (lm.ChatTemplate is null) return null;
        return lm.RenderChat(messages, new ChatRenderOptions { AddGenerationPrompt = true, Tools = tools, Variables = ThinkVariables(think) });
    }

    /// <summary>A message as Ollama's templates see it: tool calls with their arguments, tool results with the tool's name.</summary>
    private static TemplateMessage ToTemplateMessage(ChatMessage m) => new(m.Role, m.Content ?? "")
    {
        Thinking = m.ReasoningContent ?? "",
        ToolCalls = m.ToolCalls?.Select((c, i) => new TemplateToolCall(TemplateToolCallFunction.FromJson(c.Name, c.Arguments as System.Text.Json.Nodes.JsonObject, i)) { Id = c.Id }).ToList() ?? [],
        ToolName = m.Name ?? "",
        ToolCallId = m.ToolCallId ?? "",
    };

    /// <summary>Parsed Go templates by their text: a library model's TEMPLATE is parsed once, not per request.</summary>
    private static class ParsedTemplates
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, OllamaPromptTemplate> Parsed = new(StringComparer.Ordinal);

        public static OllamaPromptTemplate Get(string source)
        {
            if (Parsed.TryGetValue(source, out var template)) return template;
            if (Parsed.Count >= 64) Parsed.Clear();
            return Parsed[source] = OllamaPromptTemplate.Parse(source);
        }
    }

    /// <summary>
    /// A splitter for thinking models (their template mentions &lt;think&gt;) unless thinking was turned off; the
    /// answer starts inside the think block when the rendered prompt already opened it.
    /// </summary>
    private static ThinkingSplitter? Thinking(LanguageModel lm, bool? think, string? rendered) =>
        think != false && lm.ChatTemplate?.Source.Contains("<think>", StringComparison.Ordinal) == true
            ? new ThinkingSplitter(startInside: rendered?.TrimEnd().EndsWith("<think>", StringComparison.Ordinal) == true)
            : null;

    private static Dictionary<string, object?>? ThinkVariables(bool? think) =>
        think is { } t ? new Dictionary<string, object?> { ["enable_thinking"] = t } : null;

    private static HashSet<string> ToolNames(IReadOnlyList<System.Text.Json.Nodes.JsonNode> tools) =>
        tools.Select(t => (string?)(t["function"]?["name"] ?? t["name"])).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private static void Normalize(float[] v)
    {
        double ss = 0;
        foreach (var x in v) ss += (double)x * x;
        if (ss == 0) return;
        var inv = (float)(1 / Math.Sqrt(ss));
        for (var i = 0; i < v.Length; i++) v[i] *= inv;
    }
}
