using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Gguf;
using Takase.Engine.Kernels;
using Takase.Engine.Models;
using Takase.Server.Ollama;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase bench MODEL.gguf -p 512 -n 128 -t 4 -r 5</c>: prompt processing and generation speed in this process,
/// measured and printed the way llama-bench does (its markdown table, or its JSON fields with --json), so the
/// numbers sit beside llama.cpp's on the same machine.
/// </summary>
/// <remarks>
/// A "pp N" test evaluates N random prompt tokens from an empty cache (logits for the last only); a "tg N" test
/// generates N tokens one at a time from an empty cache, each from a random token (no sampling, as llama-bench).
/// Each test runs once to warm up, then <c>-r</c> timed times. Token ids are random over the vocabulary with a fixed
/// seed. A prompt is evaluated in batched passes of <c>-ub</c> tokens (llama-bench's n_ubatch, 512 by default).
/// With <c>--parallel 1,2,4,8</c> it measures like llama-batched-bench instead: B sequences each evaluate a
/// <c>-p</c> token prompt, then generate <c>-n</c> tokens together (one batched pass per step for all B), and the
/// table gives llama-batched-bench's columns, S_TG being the aggregate decode speed over all sequences.
/// </remarks>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo?>("model") { Description = "GGUF model file (or give --synthetic).", Arity = ArgumentArity.ZeroOrOne };
        var synthetic = new Option<string?>("--synthetic")
        {
            Description = "Measure a random-weight model with a real model's shapes instead of a file: SHAPE:TYPE, e.g. qwen2.5-0.5b:q4_0 or "
                + "llama-3.2-1b:q4_k_m (written once, then reused, under $TAKASE_SYNTHETIC_DIR or ~/.cache/takase/synthetic).",
        };
        var prompt = new Option<string>("--n-prompt", "-p") { Description = "Prompt lengths to test, comma-separated (0 skips pp).", DefaultValueFactory = _ => "512" };
        var gen = new Option<string>("--n-gen", "-n") { Description = "Generation lengths to test, comma-separated (0 skips tg).", DefaultValueFactory = _ => "128" };
        var threads = new Option<string>("--threads", "-t") { Description = "Thread counts to test, comma-separated (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) };
        var reps = new Option<int>("--repetitions", "-r") { Description = "Timed runs of each test.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random token ids.", DefaultValueFactory = _ => 42 };
        var json = new Option<bool>("--json") { Description = "Print llama-bench's JSON (an array of tests) instead of the table." };
        var ubatch = new Option<int>("--ubatch-size", "-ub") { Description = "Prompt tokens evaluated per batched pass.", DefaultValueFactory = _ => 512 };
        var parallel = new Option<string?>("--parallel", "-npl")
        {
            Description = "Sequences decoded together, comma-separated (e.g. 1,2,4,8): measure like llama-batched-bench, with -p prompt and -n generated tokens per sequence.",
        };
        var command = new Command("bench", "Measure prompt processing (pp) and generation (tg) speed, like llama-bench.") { model, synthetic, prompt, gen, threads, reps, seed, json, ubatch, parallel };
        command.SetAction((parse, cancel) => Task.FromResult(CliErrors.Guard(() =>
        {
            var path = ModelPath(parse.GetValue(model), parse.GetValue(synthetic));
            var repetitions = parse.GetValue(reps);
            if (repetitions < 1) throw new ArgumentException($"-r must be at least 1, not {repetitions}");
            var prompts = Counts(parse.GetValue(prompt)!, "-p", min: 0);
            var gens = Counts(parse.GetValue(gen)!, "-n", min: 0);
            var threadCounts = Counts(parse.GetValue(threads)!, "-t", min: 1);
            var microBatch = parse.GetValue(ubatch);
            if (microBatch < 1) throw new ArgumentException($"-ub must be at least 1, not {microBatch}");
            if (parse.GetValue(parallel) is { } npl)
                return BatchedBench(ModelPath(parse.GetValue(model), parse.GetValue(synthetic)), prompts, gens, threadCounts,
                    Counts(npl, "--parallel", min: 1), microBatch, repetitions, parse.GetValue(seed), cancel);
            var tests = threadCounts.SelectMany(t => prompts.Where(p => p > 0).Select(p => (Threads: t, Prompt: p, Gen: 0))
                .Concat(gens.Where(g => g > 0).Select(g => (Threads: t, Prompt: 0, Gen: g)))).ToList();
            if (tests.Count == 0) throw new ArgumentException("nothing to measure: give -p or -n above 0");

            using var file = GgufFile.Open(path.FullName);
            using var transformer = new TransformerModel(file) { MicroBatch = microBatch };
            var facts = ModelFacts.Read(file);
            var info = new ModelSummary(
                Path.GetFileName(path.FullName),
                $"{facts.Family} {ModelFacts.FormatParameterCount(facts.ParameterCount)} {facts.QuantizationLevel}",
                file.Tensors.Sum(t => t.ByteSize),
                file.Tensors.Sum(t => t.ElementCount));
            var printer = parse.GetValue(json) ? (IBenchPrinter)new JsonPrinter(info, microBatch) : new MarkdownPrinter(info);
            printer.Begin();
            var saved = WeightOps.Threads;
            try
            {
                foreach (var test in tests)
                {
                    cancel.ThrowIfCancellationRequested();
                    WeightOps.Threads = test.Threads;
                    var samples = Measure(transformer, test.Prompt, test.Gen, repetitions, parse.GetValue(seed), cancel);
                    printer.Add(new BenchResult(test.Threads, test.Prompt, test.Gen, DateTimeOffset.UtcNow, samples));
                }
            }
            finally
            {
                WeightOps.Threads = saved;
            }
            printer.End();
            // Memory goes to stderr with --json, so stdout stays one JSON document.
            var memory = $"peak memory: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0):F2} MiB (peak working set of this process)";
            (parse.GetValue(json) ? Console.Error : Console.Out).WriteLine(memory);
            return 0;
        })));
        return command;
    }

    /// <summary>The file to measure: the one given, or the synthetic model named by --synthetic (written when absent).</summary>
    private static FileInfo ModelPath(FileInfo? file, string? synthetic)
    {
        if (file is not null && synthetic is not null) throw new ArgumentException("give either a model file or --synthetic, not both");
        if (file is not null) return file;
        if (synthetic is null) throw new ArgumentException("give a GGUF model file, or --synthetic SHAPE:TYPE (e.g. qwen2.5-0.5b:q4_0)");
        var dir = Environment.GetEnvironmentVariable("TAKASE_SYNTHETIC_DIR") is { Length: > 0 } d ? d
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "takase", "synthetic");
        return new FileInfo(SyntheticModels.Ensure(synthetic, dir, line => Console.Error.WriteLine(line)));
    }

    /// <summary>Times one test <paramref name="repetitions"/> times after an untimed warm-up; nanoseconds per run.</summary>
    private static long[] Measure(TransformerModel model, int prompt, int gen, int repetitions, int seed, CancellationToken cancel)
    {
        var random = new Random(seed);
        var vocab = model.Config.VocabSize;
        var cache = model.CreateCache(Math.Max(prompt, gen));
        var state = model.CreateState(cache);
        var samples = new long[repetitions];
        for (var run = -1; run < repetitions; run++)
        {
            cache.Clear();
            var tokens = Enumerable.Range(0, prompt + gen).Select(_ => random.Next(vocab)).ToArray();
            var clock = Stopwatch.StartNew();
            // Cancellation is checked per micro-batch and per token: a pp512 run on a slow model takes minutes.
            for (var start = 0; start < prompt; start += model.MicroBatch)
            {
                var n = Math.Min(model.MicroBatch, prompt - start);
                model.ForwardBatch(state, tokens.AsSpan(start, n), computeLogits: start + n == prompt);
                cancel.ThrowIfCancellationRequested();
            }
            for (var i = 0; i < gen; i++)
            {
                model.Forward(state, tokens[prompt + i]);
                cancel.ThrowIfCancellationRequested();
            }
            clock.Stop();
            if (run >= 0) samples[run] = (long)(clock.Elapsed.Ticks * (1_000_000_000.0 / TimeSpan.TicksPerSecond));
        }
        return samples;
    }

    /// <summary>
    /// llama-batched-bench: for each thread count, prompt length, generation length and B in <paramref name="parallel"/>,
    /// B sequences evaluate their prompts (batched per sequence), then decode together, one ForwardMany pass per step.
    /// Each configuration runs once to warm up and <paramref name="repetitions"/> timed times; the row shows the run
    /// with the median total time.
    /// </summary>
    private static int BatchedBench(FileInfo path, int[] prompts, int[] gens, int[] threadCounts, int[] parallel, int microBatch,
        int repetitions, int seed, CancellationToken cancel)
    {
        using var file = GgufFile.Open(path.FullName);
        using var model = new TransformerModel(file) { MicroBatch = microBatch };
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"model: {Path.GetFileName(path.FullName)}, n_ubatch = {microBatch}, repetitions = {repetitions} (median shown)");
        Console.WriteLine();
        Console.WriteLine("|    PP |     TG |    B |  N_KV | threads |   T_PP s | S_PP t/s |   T_TG s | S_TG t/s |      T s |    S t/s |");
        Console.WriteLine("|-------|--------|------|-------|---------|----------|----------|----------|----------|----------|----------|");
        var random = new Random(seed);
        var vocab = model.Config.VocabSize;
        var saved = WeightOps.Threads;
        try
        {
            var configurations = from threads in threadCounts from pp in prompts from tg in gens from b in parallel select (threads, pp, tg, b);
            foreach (var (threads, pp, tg, b) in configurations)
            {
                WeightOps.Threads = threads;
                var states = Enumerable.Range(0, b).Select(_ => model.CreateState(model.CreateCache(Math.Max(1, pp + tg)))).ToArray();
                var batch = model.CreateBatch(b);
                var step = new int[b];
                var runs = new List<(double Pp, double Tg)>();
                for (var run = -1; run < repetitions; run++)
                {
                    foreach (var s in states) s.Cache.Clear();
                    var clock = Stopwatch.StartNew();
                    if (pp > 0)
                        foreach (var s in states)
                            model.ForwardBatch(s, Enumerable.Range(0, pp).Select(_ => random.Next(vocab)).ToArray());
                    var tpp = clock.Elapsed.TotalSeconds;
                    clock.Restart();
                    for (var i = 0; i < tg; i++)
                    {
                        for (var k = 0; k < b; k++) step[k] = random.Next(vocab);
                        model.ForwardMany(batch, states, step);
                    }
                    var ttg = clock.Elapsed.TotalSeconds;
                    cancel.ThrowIfCancellationRequested();
                    if (run >= 0) runs.Add((tpp, ttg));
                }
                var (tPp, tTg) = runs.OrderBy(r => r.Pp + r.Tg).ElementAt(runs.Count / 2);
                double Rate(double tokens, double seconds) => seconds > 0 ? tokens / seconds : 0;
                Console.WriteLine(string.Create(c,
                    $"| {pp,5} | {tg,6} | {b,4} | {b * (pp + tg),5} | {threads,7} | {tPp,8:F3} | {Rate(b * pp, tPp),8:F2} | {tTg,8:F3} | {Rate(b * tg, tTg),8:F2} | {tPp + tTg,8:F3} | {Rate(b * (pp + tg), tPp + tTg),8:F2} |"));
                Console.Out.Flush();
            }
        }
        finally
        {
            WeightOps.Threads = saved;
        }
        Console.WriteLine();
        Console.WriteLine($"peak memory: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0):F2} MiB (peak working set of this process)");
        return 0;
    }

    private static int[] Counts(string list, string flag, int min)
    {
        var values = new List<int>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min)
                throw new ArgumentException($"{flag} takes whole numbers of at least {min}, comma-separated (e.g. 128,512); \"{part}\" is not one");
            values.Add(n);
        }
        if (values.Count == 0) throw new ArgumentException($"{flag} needs at least one number");
        return [.. values];
    }

    private sealed record ModelSummary(string FileName, string Type, long Size, long Parameters);

    /// <summary>One test's timings, with llama-bench's statistics (sample standard deviation).</summary>
    private sealed record BenchResult(int Threads, int Prompt, int Gen, DateTimeOffset Time, long[] SamplesNs)
    {
        public double[] SamplesTs => SamplesNs.Select(ns => 1e9 * (Prompt + Gen) / ns).ToArray();
        public string Name => Prompt > 0 ? $"pp{Prompt}" : $"tg{Gen}";
        public static double Mean(IReadOnlyList<double> v) => v.Average();
        public static double StdDev(IReadOnlyList<double> v)
        {
            if (v.Count <= 1) return 0;
            var mean = Mean(v);
            return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
        }
    }

    private interface IBenchPrinter
    {
        void Begin();
        void Add(BenchResult result);
        void End();
    }

    /// <summary>llama-bench's markdown table: | model | size | params | backend | threads | test | t/s |.</summary>
    private sealed class MarkdownPrinter(ModelSummary model) : IBenchPrinter
    {
        private static readonly (string Name, int Width, bool Right)[] Columns =
            [("model", 30, false), ("size", 10, true), ("params", 10, true), ("backend", 10, false), ("threads", 7, true), ("test", 15, true), ("t/s", 20, true)];

        public void Begin()
        {
            Console.WriteLine("| " + string.Join(" | ", Columns.Select(c => c.Right ? c.Name.PadLeft(c.Width) : c.Name.PadRight(c.Width))) + " |");
            Console.WriteLine("| " + string.Join(" | ", Columns.Select(c => new string('-', c.Width - 1) + (c.Right ? ":" : "-"))) + " |");
        }

        public void Add(BenchResult r)
        {
            var c = CultureInfo.InvariantCulture;
            var ts = r.SamplesTs;
            string[] cells =
            [
                model.Type,
                model.Size < 1L << 30 ? (model.Size / (1024.0 * 1024.0)).ToString("F2", c) + " MiB" : (model.Size / (1024.0 * 1024.0 * 1024.0)).ToString("F2", c) + " GiB",
                model.Parameters < 1_000_000_000 ? (model.Parameters / 1e6).ToString("F2", c) + " M" : (model.Parameters / 1e9).ToString("F2", c) + " B",
                "CPU",
                r.Threads.ToString(c),
                r.Name,
                BenchResult.Mean(ts).ToString("F2", c) + " ± " + BenchResult.StdDev(ts).ToString("F2", c),
            ];
            Console.WriteLine("| " + string.Join(" | ", cells.Select((v, i) => Columns[i].Right ? v.PadLeft(Columns[i].Width) : v.PadRight(Columns[i].Width))) + " |");
            Console.Out.Flush();
        }

        public void End()
        {
            Console.WriteLine();
            Console.WriteLine($"build: {Build.Commit} ({Build.Number})");
        }
    }

    /// <summary>llama-bench's JSON printer: an array with one object per test, its field names and order.</summary>
    private sealed class JsonPrinter(ModelSummary model, int ubatch) : IBenchPrinter
    {
        private readonly JsonArray _tests = [];

        public void Begin() { }

        public void Add(BenchResult r)
        {
            var ns = r.SamplesNs.Select(x => (double)x).ToArray();
            var ts = r.SamplesTs;
            _tests.Add(new JsonObject
            {
                ["build_commit"] = Build.Commit,
                ["build_number"] = Build.Number,
                ["cpu_info"] = CpuInfo(),
                ["gpu_info"] = "",
                ["backends"] = "CPU",
                ["model_filename"] = model.FileName,
                ["model_type"] = model.Type,
                ["model_size"] = model.Size,
                ["model_n_params"] = model.Parameters,
                ["n_batch"] = Math.Max(r.Prompt, 1),
                ["n_ubatch"] = ubatch,
                ["n_threads"] = r.Threads,
                ["cpu_mask"] = "0x0",
                ["cpu_strict"] = false,
                ["poll"] = 0,
                ["type_k"] = "f32",
                ["type_v"] = "f32",
                ["n_gpu_layers"] = 0,
                ["split_mode"] = "none",
                ["main_gpu"] = 0,
                ["no_kv_offload"] = false,
                ["flash_attn"] = false,
                ["tensor_split"] = "0.00",
                ["use_mmap"] = true,
                ["embeddings"] = false,
                ["n_prompt"] = r.Prompt,
                ["n_gen"] = r.Gen,
                ["n_depth"] = 0,
                ["test_time"] = r.Time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["avg_ns"] = (long)Math.Round(BenchResult.Mean(ns)),
                ["stddev_ns"] = (long)Math.Round(BenchResult.StdDev(ns)),
                ["avg_ts"] = BenchResult.Mean(ts),
                ["stddev_ts"] = BenchResult.StdDev(ts),
                ["samples_ns"] = new JsonArray(r.SamplesNs.Select(x => (JsonNode)x).ToArray()),
                ["samples_ts"] = new JsonArray(ts.Select(x => (JsonNode)x).ToArray()),
            });
        }

        public void End() => Console.WriteLine(_tests.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The build's commit (from the informational version's "+sha" suffix, when the build stamped one).</summary>
    private static class Build
    {
        public static string Commit { get; } =
            typeof(BenchCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v && v.Contains('+')
                ? v[(v.IndexOf('+') + 1)..] is { Length: > 7 } sha ? sha[..7] : v[(v.IndexOf('+') + 1)..]
                : "unknown";

        public const int Number = 0;
    }

    private static string CpuInfo()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is var colon and > 0)
                        return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
