using Takase.Engine.Sampling;
using Takase.Engine.Tokenizers;

namespace Takase.Server.Inference;

/// <summary>Turns a requested output format into a constraint on sampling.</summary>
public interface IOutputConstraintFactory
{
    /// <summary>A fresh constraint for one generation.</summary>
    /// <exception cref="ArgumentException">the schema cannot be compiled; the message says which part.</exception>
    ITokenConstraint Create(OutputFormat format, Tokenizer tokenizer);
}
