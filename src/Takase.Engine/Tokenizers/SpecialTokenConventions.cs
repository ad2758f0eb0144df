namespace Takase.Engine.Tokenizers;

/// <summary>
/// Token texts that llama.cpp recognises on load because converters do not always record them in metadata:
/// end-of-turn markers, fill-in-the-middle markers, and the texts that end generation (its issue #9606).
/// Kept as data so that a new model family is one line here.
/// </summary>
internal static class SpecialTokenConventions
{
    public static readonly string[] EndOfTurn =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>",
        "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>",
    ];

    public static readonly string[] EndOfMessage = ["<|eom_id|>"];

    public static readonly string[] FimPrefix = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"];
    public static readonly string[] FimSuffix = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"];
    public static readonly string[] FimMiddle = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"];
    public static readonly string[] FimPad = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"];
    public static readonly string[] FimRepo = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"];
    public static readonly string[] FimSeparator = ["<|file_sep|>"];

    /// <summary>Texts that end generation whatever the metadata says.</summary>
    public static readonly string[] EndOfGeneration =
    [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>",
        "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>",
        "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
    ];

    /// <summary>gpt-oss channel markers that llama.cpp always renders (it retypes them as user-defined).</summary>
    public static readonly string[] AlwaysRendered = ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"];
}
