namespace Takase.Engine.Gguf;

/// <summary>A GGUF file that cannot be read: the message names the file and what is wrong with it.</summary>
public sealed class GgufFormatException(string message, Exception? inner = null) : Exception(message, inner);
