namespace Takase.Library;

/// <summary>The model library: the content-addressed store, Modelfiles and registry clients (issue: model library).</summary>
public static class LibraryInfo
{
    /// <summary>Ollama's default registry host.</summary>
    public const string DefaultRegistry = "registry.ollama.ai";
}
