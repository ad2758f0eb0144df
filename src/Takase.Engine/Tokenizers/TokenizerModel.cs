namespace Takase.Engine.Tokenizers;

/// <summary>The tokenization algorithm, from GGUF <c>tokenizer.ggml.model</c>.</summary>
public enum TokenizerModel
{
    /// <summary>"llama": SentencePiece-style BPE over scored pieces, ▁ for spaces, &lt;0xXX&gt; byte fallback.</summary>
    SentencePiece,
    /// <summary>"gpt2": byte-level BPE over ranked merges, words split by a pre-tokenizer regex.</summary>
    BytePair,
    /// <summary>"bert": WordPiece with BERT's lowercasing and punctuation splitting.</summary>
    WordPiece,
}
