namespace Takase.Library.Modelfiles;

/// <summary>What a FROM line points at.</summary>
public enum ModelfileSourceKind
{
    /// <summary>A model name to find in the local store or pull (<c>llama3.2</c>, <c>user/model:tag</c>).</summary>
    LibraryModel,
    /// <summary>A GGUF file on disk (a single file, or the first of a set of shards).</summary>
    GgufFile,
    /// <summary>A directory of Hugging Face safetensors files (with config.json and tokenizer files) to convert.</summary>
    SafetensorsDirectory,
    /// <summary>A directory holding GGUF files (Ollama accepts these too).</summary>
    GgufDirectory,
}

/// <summary>A resolved FROM: its kind and either the model name or the full path on disk.</summary>
/// <param name="Kind">What the FROM names.</param>
/// <param name="Value">The model name as written, or the absolute path.</param>
public sealed record ModelfileSource(ModelfileSourceKind Kind, string Value)
{
    /// <summary>
    /// Resolves a FROM value as Ollama does: "~" and "~/…" expand to the home folder, relative paths are taken from the
    /// Modelfile's directory; an existing file or directory is local, anything else is a library model name.
    /// A value that clearly is a path (./, ../, /, ~, or a .gguf/.safetensors name) but does not exist is an error
    /// instead of a confusing pull of a model with that name.
    /// </summary>
    /// <exception cref="FileNotFoundException">The value is a path that does not exist.</exception>
    /// <exception cref="InvalidDataException">The path exists but holds no model files.</exception>
    public static ModelfileSource Resolve(string from, string modelfileDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(from);
        var path = ExpandPath(from, modelfileDirectory);
        if (File.Exists(path))
            return new ModelfileSource(ModelfileSourceKind.GgufFile, path);
        if (Directory.Exists(path))
        {
            if (Directory.EnumerateFiles(path, "*.safetensors").Any())
                return new ModelfileSource(ModelfileSourceKind.SafetensorsDirectory, path);
            if (Directory.EnumerateFiles(path, "*.gguf").Any())
                return new ModelfileSource(ModelfileSourceKind.GgufDirectory, path);
            throw new InvalidDataException($"FROM {from}: the directory {path} holds no .safetensors or .gguf files.");
        }
        if (LooksLikePath(from))
            throw new FileNotFoundException($"FROM {from}: no such file or directory ({path}); give an existing GGUF file or safetensors directory, or a model name.", path);
        return new ModelfileSource(ModelfileSourceKind.LibraryModel, from);
    }

    private static bool LooksLikePath(string from) =>
        from.StartsWith("./", StringComparison.Ordinal) || from.StartsWith("../", StringComparison.Ordinal)
        || from.StartsWith('/') || from.StartsWith('\\') || from.StartsWith('~') || Path.IsPathRooted(from)
        || from.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) || from.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
        || from.EndsWith(".bin", StringComparison.OrdinalIgnoreCase);

    private static string ExpandPath(string from, string modelfileDirectory)
    {
        if (Path.IsPathRooted(from) || from.StartsWith('/') || from.StartsWith('\\'))
            return Path.GetFullPath(from);
        if (from == "~" || from.StartsWith("~/", StringComparison.Ordinal))
            return Path.GetFullPath(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), from.Length > 2 ? from[2..] : ""));
        return Path.GetFullPath(Path.Combine(modelfileDirectory, from));
    }
}
