using System.CommandLine;
using System.Globalization;
using Takase.Engine.Conversion;
using Takase.Engine.Tensors;

namespace Takase.Cli.Commands;

/// <summary>
/// <c>takase quantize IN.gguf OUT.gguf TYPE</c>: llama-quantize in-process. One line per tensor on stdout (name, shape,
/// type before → after, size), warnings on stderr, and the sizes of both files at the end.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The GGUF model to quantize (F32, F16 or BF16 preferably)." };
        var output = new Argument<FileInfo>("output") { Description = "The GGUF file to write." };
        var type = new Argument<string>("type")
        {
            Description = "File type, as llama-quantize names it: " + string.Join(", ", QuantizationType.All.Select(t => t.Name)) + ".",
        };
        var command = new Command("quantize", "Quantize a GGUF model (as llama-quantize does).") { input, output, type };
        command.SetAction((parse, cancel) => Task.FromResult(CliErrors.Guard(() =>
        {
            var source = parse.GetValue(input)!.FullName;
            var target = parse.GetValue(output)!.FullName;
            var kind = QuantizationType.Parse(parse.GetValue(type)!);
            if (!File.Exists(source)) throw new FileNotFoundException($"no model at {source}", source);

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = ModelQuantizer.Quantize(source, target, kind, t => Console.WriteLine(Line(t)), cancel);
            foreach (var warning in report.Warnings) Console.Error.WriteLine($"warning: {warning}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model size: {Mib(report.InputBytes)} -> {Mib(report.OutputBytes)} ({kind.Name}), {clock.Elapsed.TotalSeconds:F1} s"));
            Console.Error.WriteLine($"wrote {target}");
            return 0;
        })));
        return command;
    }

    /// <summary>llama-quantize's per-tensor line: "[  3/ 48] blk.0.attn_q.weight  [64, 64] f32 -> q5_0  16.0 KiB -> 5.5 KiB".</summary>
    private static string Line(QuantizedTensor t)
    {
        var width = t.Count.ToString(CultureInfo.InvariantCulture).Length;
        var from = TensorTypes.Get(t.From).Name;
        var to = TensorTypes.Get(t.To).Name;
        var change = t.From == t.To ? $"{from,-6}          " : $"{from,-6} -> {to,-6}";
        var sizes = t.From == t.To ? Kib(t.BytesBefore) : $"{Kib(t.BytesBefore)} -> {Kib(t.BytesAfter)}";
        var index = (t.Index + 1).ToString(CultureInfo.InvariantCulture).PadLeft(width);
        var fallback = t.Fallback is null ? "" : $"  ({t.Fallback})";
        var shape = $"[{string.Join(", ", t.Shape)}]";
        return $"[{index}/{t.Count}] {t.Name,-32} {shape,-16} {change} {sizes}{fallback}";
    }

    private static string Kib(long bytes) => (bytes / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " KiB";

    private static string Mib(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F2", CultureInfo.InvariantCulture) + " MiB";
}
