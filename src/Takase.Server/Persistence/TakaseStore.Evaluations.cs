using System.Data.Common;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;

namespace Takase.Server.Persistence;

public sealed partial class TakaseStore
{
    private const string EvaluationColumns = """
        id AS Id, created_ms AS CreatedMs, model AS Model, target AS Target, dataset AS Dataset, dataset_sha256 AS DatasetSha256,
        mode AS Mode, n AS N, accuracy AS Accuracy, accuracy_low AS AccuracyLow, accuracy_high AS AccuracyHigh, acc_norm AS AccNorm,
        perplexity AS Perplexity, duration_ms AS DurationMs, options AS Options
        """;

    private static readonly JsonSerializerOptions CurveJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <inheritdoc />
    public Task<EvaluationRun> AddEvaluationAsync(EvaluationRun run, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        CheckEvaluation(run);
        var stored = run with { Id = NewId("ev_"), Created = Time(Ms(DateTimeOffset.UtcNow)) };
        return InTransactionAsync($"store the evaluation of {run.Model} on {run.Dataset}", async (c, tx) =>
        {
            await c.ExecuteAsync(Sql("""
                INSERT INTO evaluations (id, created_ms, model, target, dataset, dataset_sha256, mode, n, accuracy, accuracy_low, accuracy_high,
                                         acc_norm, perplexity, duration_ms, options)
                VALUES (@Id, @CreatedMs, @Model, @Target, @Dataset, @DatasetSha256, @Mode, @N, @Accuracy, @AccuracyLow, @AccuracyHigh,
                        @AccNorm, @Perplexity, @DurationMs, @Options);
                """, new
            {
                stored.Id,
                CreatedMs = Ms(stored.Created),
                stored.Model,
                stored.Target,
                stored.Dataset,
                stored.DatasetSha256,
                stored.Mode,
                N = (long)stored.N,
                stored.Accuracy,
                stored.AccuracyLow,
                stored.AccuracyHigh,
                stored.AccNorm,
                stored.Perplexity,
                stored.DurationMs,
                stored.Options,
            }, tx, cancel));
            for (var i = 0; i < stored.Categories.Count; i++)
            {
                var k = stored.Categories[i];
                await c.ExecuteAsync(Sql("""
                    INSERT INTO evaluation_categories (evaluation_id, seq, category, n, correct, accuracy, accuracy_low, accuracy_high, centroid)
                    VALUES (@Id, @Seq, @Category, @N, @Correct, @Accuracy, @AccuracyLow, @AccuracyHigh, @Centroid);
                    """, new
                {
                    stored.Id,
                    Seq = (long)i,
                    k.Category,
                    N = (long)k.N,
                    Correct = (long)k.Correct,
                    k.Accuracy,
                    k.AccuracyLow,
                    k.AccuracyHigh,
                    Centroid = k.Centroid is null ? null : MemoryMarshal.AsBytes(k.Centroid.AsSpan()).ToArray(),
                }, tx, cancel));
            }
            return stored;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<EvaluationRun?> FindEvaluationAsync(string id, CancellationToken cancel = default) =>
        RunAsync($"read evaluation {id}", async c =>
        {
            var row = await c.QuerySingleOrDefaultAsync<EvaluationRow>(Sql($"SELECT {EvaluationColumns} FROM evaluations WHERE id = @id;", new { id }, cancel: cancel));
            return row is null ? null : (await WithCategoriesAsync(c, [row], cancel))[0];
        }, cancel);

    /// <inheritdoc />
    public Task<IReadOnlyList<EvaluationRun>> ListEvaluationsAsync(string? model = null, string? dataset = null, int limit = 100, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync("list evaluations", async c =>
        {
            var rows = await c.QueryAsync<EvaluationRow>(Sql($"""
                SELECT {EvaluationColumns} FROM evaluations
                WHERE (@Model IS NULL OR model = @Model) AND (@Dataset IS NULL OR dataset = @Dataset)
                ORDER BY created_ms DESC, id DESC LIMIT @Limit;
                """, new { Model = model, Dataset = dataset, Limit = (long)limit }, cancel: cancel));
            return await WithCategoriesAsync(c, rows.ToList(), cancel);
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<EvaluationRun>> LatestEvaluationsByTargetAsync(CancellationToken cancel = default) =>
        RunAsync("read the newest evaluation of each target", async c =>
        {
            // Targets compare case-insensitively in the router.
            var rows = await c.QueryAsync<EvaluationRow>(Sql($"""
                SELECT {EvaluationColumns} FROM evaluations e
                WHERE target IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM evaluations n
                    WHERE lower(n.target) = lower(e.target) AND n.dataset = e.dataset
                      AND (n.created_ms > e.created_ms OR (n.created_ms = e.created_ms AND n.id > e.id)))
                ORDER BY created_ms DESC, id DESC;
                """, cancel: cancel));
            return await WithCategoriesAsync(c, rows.ToList(), cancel);
        }, cancel);

    /// <inheritdoc />
    public Task<RouterEvaluationRun> AddRouterEvaluationAsync(RouterEvaluationRun run, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        CheckRouterEvaluation(run);
        var stored = run with { Id = NewId("rev_"), Created = Time(Ms(DateTimeOffset.UtcNow)) };
        return RunAsync($"store the router evaluation of {run.Strategy} on {run.Dataset}", async c =>
        {
            await c.ExecuteAsync(Sql("""
                INSERT INTO router_evaluations (id, created_ms, profile, strategy, dataset, apgr, cpt20, cpt50, cpt80, curve)
                VALUES (@Id, @CreatedMs, @Profile, @Strategy, @Dataset, @Apgr, @Cpt20, @Cpt50, @Cpt80, @Curve);
                """, new
            {
                stored.Id,
                CreatedMs = Ms(stored.Created),
                stored.Profile,
                stored.Strategy,
                stored.Dataset,
                stored.Apgr,
                Cpt20 = stored.Cpt.GetValueOrDefault(20),
                Cpt50 = stored.Cpt.GetValueOrDefault(50),
                Cpt80 = stored.Cpt.GetValueOrDefault(80),
                Curve = JsonSerializer.Serialize(stored.Curve, CurveJson),
            }, cancel: cancel));
            return stored;
        }, cancel);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RouterEvaluationRun>> ListRouterEvaluationsAsync(int limit = 100, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return RunAsync("list router evaluations", async c =>
        {
            var rows = await c.QueryAsync<RouterEvaluationRow>(Sql("""
                SELECT id AS Id, created_ms AS CreatedMs, profile AS Profile, strategy AS Strategy, dataset AS Dataset, apgr AS Apgr,
                       cpt20 AS Cpt20, cpt50 AS Cpt50, cpt80 AS Cpt80, curve AS Curve
                FROM router_evaluations ORDER BY created_ms DESC, id DESC LIMIT @Limit;
                """, new { Limit = (long)limit }, cancel: cancel));
            return (IReadOnlyList<RouterEvaluationRun>)rows.Select(r => new RouterEvaluationRun
            {
                Id = r.Id,
                Created = Time(r.CreatedMs),
                Profile = r.Profile,
                Strategy = r.Strategy,
                Dataset = r.Dataset,
                Apgr = r.Apgr,
                Cpt = new Dictionary<int, double?> { [20] = r.Cpt20, [50] = r.Cpt50, [80] = r.Cpt80 },
                Curve = JsonSerializer.Deserialize<List<RouterCurvePoint>>(r.Curve, CurveJson)
                        ?? throw new StoredDataException($"router evaluation {r.Id} has no curve"),
            }).ToList();
        }, cancel);
    }

    private static async Task<IReadOnlyList<EvaluationRun>> WithCategoriesAsync(DbConnection c, List<EvaluationRow> rows, CancellationToken cancel)
    {
        if (rows.Count == 0) return [];
        // One named parameter per id: Npgsql would take an array for "IN @Ids" as one value, SQLite cannot.
        var ids = new DynamicParameters();
        for (var i = 0; i < rows.Count; i++) ids.Add($"id{i}", rows[i].Id);
        var categories = (await c.QueryAsync<CategoryRow>(Sql($"""
                SELECT evaluation_id AS EvaluationId, seq AS Seq, category AS Category, n AS N, correct AS Correct, accuracy AS Accuracy,
                       accuracy_low AS AccuracyLow, accuracy_high AS AccuracyHigh, centroid AS Centroid
                FROM evaluation_categories WHERE evaluation_id IN ({string.Join(", ", rows.Select((_, i) => $"@id{i}"))}) ORDER BY evaluation_id, seq;
                """, ids, cancel: cancel)))
            .ToLookup(k => k.EvaluationId);
        return rows.Select(r => new EvaluationRun
        {
            Id = r.Id,
            Created = Time(r.CreatedMs),
            Model = r.Model,
            Target = r.Target,
            Dataset = r.Dataset,
            DatasetSha256 = r.DatasetSha256,
            Mode = r.Mode,
            N = (int)r.N,
            Accuracy = r.Accuracy,
            AccuracyLow = r.AccuracyLow,
            AccuracyHigh = r.AccuracyHigh,
            AccNorm = r.AccNorm,
            Perplexity = r.Perplexity,
            DurationMs = r.DurationMs,
            Options = r.Options,
            Categories = categories[r.Id].Select(k => new EvaluationCategory(k.Category, (int)k.N, (int)k.Correct, k.Accuracy, k.AccuracyLow, k.AccuracyHigh,
                k.Centroid is null ? null : MemoryMarshal.Cast<byte, float>(k.Centroid).ToArray())).ToList(),
        }).ToList();
    }

    private static void CheckEvaluation(EvaluationRun run)
    {
        var what = $"evaluation of '{run.Model}'";
        if (string.IsNullOrWhiteSpace(run.Model)) throw new ArgumentException("an evaluation needs the model it evaluated (\"model\")");
        if (string.IsNullOrWhiteSpace(run.Dataset)) throw new ArgumentException($"the {what} needs the dataset's name (\"dataset\")");
        if (!EvaluationRun.Modes.Contains(run.Mode)) throw new ArgumentException($"the {what} has mode '{run.Mode}'; expected {string.Join(", ", EvaluationRun.Modes)}");
        if (run.Target is { } t && string.IsNullOrWhiteSpace(t)) throw new ArgumentException($"the {what} names an empty target; leave \"target\" out or name a router target");
        if (run.N < 0) throw new ArgumentException($"the {what} has {run.N} items");
        if (run.Mode == "perplexity")
        {
            if (run.Perplexity is not { } p || !double.IsFinite(p) || p < 1) throw new ArgumentException($"the {what} is a perplexity run but its perplexity is {run.Perplexity?.ToString() ?? "missing"}");
        }
        else if (run.Accuracy is null) throw new ArgumentException($"the {what} is a {run.Mode} run but has no accuracy");
        Unit(what, "accuracy", run.Accuracy);
        Unit(what, "accuracy_low", run.AccuracyLow);
        Unit(what, "accuracy_high", run.AccuracyHigh);
        Unit(what, "acc_norm", run.AccNorm);
        foreach (var k in run.Categories)
        {
            if (string.IsNullOrWhiteSpace(k.Category)) throw new ArgumentException($"the {what} has a category without a name");
            if (k.N < 0 || k.Correct < 0 || k.Correct > k.N) throw new ArgumentException($"category '{k.Category}' of the {what} has {k.Correct} correct of {k.N}");
            Unit(what, $"category '{k.Category}' accuracy", k.Accuracy);
            Unit(what, $"category '{k.Category}' accuracy_low", k.AccuracyLow);
            Unit(what, $"category '{k.Category}' accuracy_high", k.AccuracyHigh);
            if (k.Centroid is { } v && v.Any(x => !float.IsFinite(x))) throw new ArgumentException($"category '{k.Category}' of the {what} has a centroid with a non-finite value");
        }
    }

    private static void CheckRouterEvaluation(RouterEvaluationRun run)
    {
        if (string.IsNullOrWhiteSpace(run.Strategy)) throw new ArgumentException("a router evaluation needs its strategy (\"strategy\")");
        if (string.IsNullOrWhiteSpace(run.Dataset)) throw new ArgumentException("a router evaluation needs its data set's name (\"dataset\")");
        var what = $"router evaluation of {run.Strategy} on {run.Dataset}";
        if (!double.IsFinite(run.Apgr)) throw new ArgumentException($"the {what} has APGR {run.Apgr}");
        foreach (var (level, value) in run.Cpt)
        {
            if (level is not (20 or 50 or 80)) throw new ArgumentException($"the {what} has CPT({level}%); only 20, 50 and 80 are kept");
            Unit(what, $"CPT({level}%)", value);
        }
        foreach (var p in run.Curve)
            if (!double.IsFinite(p.StrongShare) || !double.IsFinite(p.Quality) || !double.IsFinite(p.Cost))
                throw new ArgumentException($"the {what} has a curve point with a non-finite value");
    }

    private static void Unit(string what, string field, double? value)
    {
        if (value is { } v && !(v >= 0 && v <= 1)) throw new ArgumentException($"the {what} has {field} {v}; it must be between 0 and 1");
    }

    private static string NewId(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private sealed class EvaluationRow
    {
        public string Id { get; set; } = "";
        public long CreatedMs { get; set; }
        public string Model { get; set; } = "";
        public string? Target { get; set; }
        public string Dataset { get; set; } = "";
        public string? DatasetSha256 { get; set; }
        public string Mode { get; set; } = "";
        public long N { get; set; }
        public double? Accuracy { get; set; }
        public double? AccuracyLow { get; set; }
        public double? AccuracyHigh { get; set; }
        public double? AccNorm { get; set; }
        public double? Perplexity { get; set; }
        public long? DurationMs { get; set; }
        public string? Options { get; set; }
    }

    private sealed class CategoryRow
    {
        public string EvaluationId { get; set; } = "";
        public long Seq { get; set; }
        public string Category { get; set; } = "";
        public long N { get; set; }
        public long Correct { get; set; }
        public double Accuracy { get; set; }
        public double AccuracyLow { get; set; }
        public double AccuracyHigh { get; set; }
        public byte[]? Centroid { get; set; }
    }

    private sealed class RouterEvaluationRow
    {
        public string Id { get; set; } = "";
        public long CreatedMs { get; set; }
        public string? Profile { get; set; }
        public string Strategy { get; set; } = "";
        public string Dataset { get; set; } = "";
        public double Apgr { get; set; }
        public double? Cpt20 { get; set; }
        public double? Cpt50 { get; set; }
        public double? Cpt80 { get; set; }
        public string Curve { get; set; } = "";
    }
}
