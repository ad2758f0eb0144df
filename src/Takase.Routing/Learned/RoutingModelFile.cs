using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Takase.Routing.Data;
using Takase.Routing.Learned.Embeddings;
using Takase.Routing.Learned.MatrixFactorization;
using Takase.Routing.Learned.NGram;
using Takase.Routing.Learned.Similarity;
using Takase.Routing.Learned.Training;

namespace Takase.Routing.Learned;

/// <summary>
/// A trained router in one JSON file: its kind and file version, the model pair, hyper-parameters, the embedding
/// source (for mf and similarity), the training summary, the calibration scores and the weights. Large arrays are
/// base64 (little-endian float64 for n-gram weights so a loaded router scores exactly as the trained one; float32 for
/// embeddings and projections, which are float32 in memory too).
/// </summary>
public static class RoutingModelFile
{
    /// <summary>The file version this code writes and reads.</summary>
    public const int Version = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (via a temporary file, so a crash never leaves half a router).</summary>
    public static void Save(TrainedRoutingModel model, string path)
    {
        var root = new JsonObject
        {
            ["kind"] = model.Kind,
            ["version"] = Version,
            ["weak"] = model.Weak,
            ["strong"] = model.Strong,
        };
        switch (model)
        {
            case NGramRoutingModel ngram:
                root["hyperParameters"] = JsonSerializer.SerializeToNode(ngram.Options, Json);
                break;
            case MatrixFactorizationModel mf:
                root["hyperParameters"] = JsonSerializer.SerializeToNode(mf.Options, Json);
                root["embeddings"] = JsonSerializer.SerializeToNode(mf.Embeddings.Spec, Json);
                break;
            case SimilarityModel sim:
                root["hyperParameters"] = JsonSerializer.SerializeToNode(sim.Options, Json);
                root["embeddings"] = JsonSerializer.SerializeToNode(sim.Embeddings.Spec, Json);
                break;
            default:
                throw new ArgumentException($"cannot save a router of kind {model.Kind}");
        }
        root["training"] = JsonSerializer.SerializeToNode(model.Training, Json);
        root["calibration"] = JsonSerializer.SerializeToNode(model.CalibrationScores, Json);
        root["weights"] = model switch
        {
            NGramRoutingModel ngram => WriteWeights(ngram),
            MatrixFactorizationModel mf => WriteWeights(mf),
            _ => WriteWeights((SimilarityModel)model),
        };

        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, root.ToJsonString(Json));
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>
    /// Reads a router. Embedding routers rebuild their source from the file unless <paramref name="embeddings"/> is given
    /// (e.g. a GGUF model the server already has open).
    /// </summary>
    /// <exception cref="FileNotFoundException">no such file.</exception>
    /// <exception cref="RoutingDataException">the file is not a router this version can read; the message names the file and the problem.</exception>
    public static TrainedRoutingModel Load(string path, IEmbeddingSource? embeddings = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"router file {path} does not exist", path);
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new FormatException("the file holds no JSON object");
            var version = Required(root, "version").GetValue<int>();
            if (version != Version) throw new FormatException($"file version {version} is not supported (this build reads version {Version})");
            var kind = Required(root, "kind").GetValue<string>();
            var weak = Required(root, "weak").GetValue<string>();
            var strong = Required(root, "strong").GetValue<string>();
            var training = Required(root, "training").Deserialize<TrainingSummary>(Json) ?? throw new FormatException("\"training\" is null");
            var calibration = Required(root, "calibration").Deserialize<double[]>(Json) ?? [];
            var weights = Required(root, "weights").AsObject();
            var hyper = Required(root, "hyperParameters");
            IEmbeddingSource Source() => embeddings ?? EmbeddingSources.Create(
                Required(root, "embeddings").Deserialize<EmbeddingSourceSpec>(Json) ?? throw new FormatException("\"embeddings\" is null"));

            TrainedRoutingModel model = kind switch
            {
                "ngram" => ReadNGram(hyper.Deserialize<NGramOptions>(Json)!, weights, weak, strong, training),
                "mf" => ReadMatrixFactorization(hyper.Deserialize<MatrixFactorizationOptions>(Json)!, weights, Source(), weak, strong, training),
                "similarity" => ReadSimilarity(hyper.Deserialize<SimilarityOptions>(Json)!, weights, Source(), weak, strong, training),
                _ => throw new FormatException($"unknown router kind '{kind}' (expected ngram, mf or similarity)"),
            };
            model.CalibrationScores = calibration;
            return model;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException or KeyNotFoundException or NullReferenceException)
        {
            throw new RoutingDataException($"router file {path} cannot be read: {e.Message}", e);
        }
    }

    private static JsonNode Required(JsonObject root, string name) =>
        root[name] ?? throw new FormatException($"\"{name}\" is missing");

    private static JsonObject WriteWeights(NGramRoutingModel m)
    {
        var buckets = new List<int>();
        var values = new List<double>();
        for (var i = 0; i < m.Weights.Length; i++)
        {
            if (m.Weights[i] == 0) continue;
            buckets.Add(i);
            values.Add(m.Weights[i]);
        }
        return new JsonObject
        {
            ["bias"] = m.Bias,
            ["buckets"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buckets.ToArray().AsSpan())),
            ["bucketWeights"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.ToArray().AsSpan())),
            ["statistics"] = JsonSerializer.SerializeToNode(m.Options.Statistics ? PromptStatistics.Names : [], Json),
            ["statWeights"] = JsonSerializer.SerializeToNode(m.StatWeights.ToArray(), Json),
            ["statMean"] = JsonSerializer.SerializeToNode(m.StatMean.ToArray(), Json),
            ["statScale"] = JsonSerializer.SerializeToNode(m.StatScale.ToArray(), Json),
        };
    }

    private static NGramRoutingModel ReadNGram(NGramOptions options, JsonObject w, string weak, string strong, TrainingSummary training)
    {
        options.Validate();
        var buckets = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(Convert.FromBase64String(Required(w, "buckets").GetValue<string>())).ToArray();
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(Convert.FromBase64String(Required(w, "bucketWeights").GetValue<string>())).ToArray();
        if (buckets.Length != values.Length) throw new FormatException($"{buckets.Length} bucket indices but {values.Length} weights");
        var names = Required(w, "statistics").Deserialize<string[]>(Json)!;
        if (options.Statistics && !names.SequenceEqual(PromptStatistics.Names))
            throw new FormatException($"the file's prompt statistics ({string.Join(", ", names)}) differ from this build's ({string.Join(", ", PromptStatistics.Names)})");
        var weights = new double[options.Buckets];
        for (var i = 0; i < buckets.Length; i++)
        {
            if ((uint)buckets[i] >= (uint)weights.Length) throw new FormatException($"bucket {buckets[i]} is outside 0..{weights.Length - 1}");
            weights[buckets[i]] = values[i];
        }
        return new NGramRoutingModel(options, weights, Required(w, "bias").GetValue<double>(),
            Required(w, "statWeights").Deserialize<double[]>(Json)!, Required(w, "statMean").Deserialize<double[]>(Json)!,
            Required(w, "statScale").Deserialize<double[]>(Json)!, weak, strong, training);
    }

    private static JsonObject WriteWeights(MatrixFactorizationModel m) => new()
    {
        ["textDimension"] = m.Projection[0].Length,
        ["projection"] = VectorMath.ToBase64(m.Projection.SelectMany(r => r).ToArray()),
        ["strongVector"] = JsonSerializer.SerializeToNode(m.StrongVector, Json),
        ["weakVector"] = JsonSerializer.SerializeToNode(m.WeakVector, Json),
        ["classifier"] = JsonSerializer.SerializeToNode(m.Classifier, Json),
        ["bias"] = m.Bias,
    };

    private static MatrixFactorizationModel ReadMatrixFactorization(MatrixFactorizationOptions options, JsonObject w, IEmbeddingSource source,
        string weak, string strong, TrainingSummary training)
    {
        options.Validate();
        var textDim = Required(w, "textDimension").GetValue<int>();
        var flat = VectorMath.FromBase64(Required(w, "projection").GetValue<string>());
        if (textDim < 1 || flat.Length != textDim * options.Dimension)
            throw new FormatException($"the projection has {flat.Length} values, expected {options.Dimension}×{textDim}");
        var projection = Enumerable.Range(0, options.Dimension).Select(k => flat.AsSpan(k * textDim, textDim).ToArray()).ToArray();
        return new MatrixFactorizationModel(options, source, projection, Required(w, "strongVector").Deserialize<float[]>(Json)!,
            Required(w, "weakVector").Deserialize<float[]>(Json)!, Required(w, "classifier").Deserialize<float[]>(Json)!,
            Required(w, "bias").GetValue<double>(), weak, strong, training);
    }

    private static JsonObject WriteWeights(SimilarityModel m) => new()
    {
        ["baseRate"] = m.BaseRate,
        ["dimension"] = m.Vectors[0].Length,
        ["ids"] = JsonSerializer.SerializeToNode(m.Ids, Json),
        ["labels"] = JsonSerializer.SerializeToNode(m.Labels, Json),
        ["vectors"] = VectorMath.ToBase64(m.Vectors.SelectMany(r => r).ToArray()),
    };

    private static SimilarityModel ReadSimilarity(SimilarityOptions options, JsonObject w, IEmbeddingSource source, string weak, string strong,
        TrainingSummary training)
    {
        options.Validate();
        var dim = Required(w, "dimension").GetValue<int>();
        var ids = Required(w, "ids").Deserialize<string[]>(Json)!;
        var labels = Required(w, "labels").Deserialize<float[]>(Json)!;
        var flat = VectorMath.FromBase64(Required(w, "vectors").GetValue<string>());
        if (dim < 1 || flat.Length != ids.Length * dim)
            throw new FormatException($"the vectors hold {flat.Length} values, expected {ids.Length}×{dim}");
        var vectors = Enumerable.Range(0, ids.Length).Select(i => flat.AsSpan(i * dim, dim).ToArray()).ToArray();
        return new SimilarityModel(options, source, ids, vectors, labels, Required(w, "baseRate").GetValue<double>(), weak, strong, training);
    }
}
