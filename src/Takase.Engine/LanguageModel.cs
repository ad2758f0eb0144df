using Takase.Engine.Gguf;
using Takase.Engine.Models;
using Takase.Engine.Templates;
using Takase.Engine.Tokenizers;

namespace Takase.Engine;

/// <summary>
/// Everything needed to talk to one GGUF model: its weights, its tokenizer and, when the file carries one, its chat
/// template. One file mapping serves all three.
/// </summary>
public sealed class LanguageModel : IDisposable
{
    private readonly GgufFile _file;

    /// <summary>The transformer.</summary>
    public TransformerModel Model { get; }
    /// <summary>The tokenizer built from the file's metadata.</summary>
    public Tokenizer Tokenizer { get; }
    /// <summary>The parsed tokenizer.chat_template, or null when the model has none (plain completion).</summary>
    public ChatTemplate? ChatTemplate { get; }
    /// <summary>Time it took to open the file and build everything.</summary>
    public TimeSpan LoadDuration { get; }

    private LanguageModel(GgufFile file, IReadOnlyList<AdapterSpec>? adapters, TimeSpan started)
    {
        _file = file;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Model = new TransformerModel(file, ownsFile: false, adapters);
        Tokenizer = Tokenizer.FromGguf(file);
        var template = file.GetString("tokenizer.chat_template");
        ChatTemplate = template is null ? null : ChatTemplate.Parse(template);
        LoadDuration = started + clock.Elapsed;
    }

    /// <summary>
    /// Opens a GGUF model file, with the LoRA <paramref name="adapters"/> (a Modelfile's ADAPTER lines) stacked on it
    /// in order. A bad adapter fails the load with a message naming it; the tokenizer and template are the base's.
    /// </summary>
    public static LanguageModel Load(string path, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var file = GgufFile.Open(path);
        try { return new LanguageModel(file, adapters, clock.Elapsed); }
        catch { file.Dispose(); throw; }
    }

    /// <summary>
    /// Renders <paramref name="messages"/> with the chat template (generation prompt appended) and tokenizes the
    /// result with special tokens parsed. A BOS the template already wrote is not added twice.
    /// </summary>
    public int[] TokenizeChat(IReadOnlyList<ChatMessage> messages) =>
        TokenizePrompt(RenderChat(messages, new ChatRenderOptions { AddGenerationPrompt = true }), parseSpecial: true);

    /// <summary>
    /// Renders <paramref name="messages"/> with the chat template; the model's BOS and EOS texts are filled in
    /// unless <paramref name="options"/> names them.
    /// </summary>
    /// <exception cref="InvalidOperationException">the model has no chat template.</exception>
    /// <exception cref="TemplateException">the template refused the conversation (e.g. roles must alternate).</exception>
    public string RenderChat(IReadOnlyList<ChatMessage> messages, ChatRenderOptions options)
    {
        if (ChatTemplate is null) throw new InvalidOperationException("this model has no chat template; use plain completion");
        return ChatTemplate.Render(messages, options with
        {
            BosToken = options.BosToken ?? (Tokenizer.BosId is { } bos ? Tokenizer.TokenText(bos) : ""),
            EosToken = options.EosToken ?? (Tokenizer.EosId is { } eos ? Tokenizer.TokenText(eos) : ""),
        });
    }

    /// <summary>Tokenizes a prompt, adding BOS/EOS as the model asks, but never a second BOS.</summary>
    public int[] TokenizePrompt(string text, bool parseSpecial = false)
    {
        var ids = Tokenizer.Encode(text, addSpecial: true, parseSpecial);
        if (ids.Length >= 2 && Tokenizer.AddBos && ids[0] == Tokenizer.BosId && ids[1] == Tokenizer.BosId) ids = ids[1..];
        return ids;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        _file.Dispose();
    }
}
