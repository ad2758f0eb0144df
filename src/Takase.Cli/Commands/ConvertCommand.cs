using System.CommandLine;
using Takase.Engine.Conversion;
using Takase.Engine.Tensors;

namespace Takase.Cli.Commands;

/// <summary><c>takase convert INPUT OUTPUT.gguf</c>: llama2.c checkpoints and Hugging Face folders to GGUF.</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A llama2.c checkpoint (.bin, with --tokenizer) or a Hugging Face checkpoint folder (config.json, *.safetensors, and tokenizer.json for the vocabulary)." };
        var output = new Argument<FileInfo>("output") { Description = "The GGUF file to write." };
        var tokenizer = new Option<FileInfo?>("--tokenizer") { Description = "llama2.c tokenizer.bin (for .bin checkpoints)." };
        var outType = new Option<string>("--outtype") { Description = "Matrix type for Hugging Face folders: f32 or f16.", DefaultValueFactory = _ => "f16" };
        var pre = new Option<string?>("--tokenizer-pre") { Description = "Hugging Face folders: the llama.cpp pre-tokenizer name (llama-bpe, qwen2, gpt-2 …) when tokenizer.json's split rules are not recognised." };
        var command = new Command("convert", "Convert a model to GGUF.") { input, output, tokenizer, outType, pre };
        command.SetAction((parse, _) => Task.FromResult(CliErrors.Guard(() =>
        {
            var source = parse.GetValue(input)!;
            var target = parse.GetValue(output)!.FullName;
            if (Directory.Exists(source))
            {
                var type = parse.GetValue(outType)?.ToLowerInvariant() switch
                {
                    "f32" => GgmlType.F32,
                    "f16" => GgmlType.F16,
                    var other => throw new ArgumentException($"--outtype {other} is not supported; use f32 or f16"),
                };
                HfCheckpointConverter.Convert(source, target, type, parse.GetValue(pre));
            }
            else
            {
                var tok = parse.GetValue(tokenizer)
                    ?? throw new ArgumentException("a llama2.c checkpoint needs its tokenizer: --tokenizer tokenizer.bin");
                Llama2cImporter.Convert(source, tok.FullName, target);
            }
            Console.Error.WriteLine($"wrote {target}");
            return 0;
        })));
        return command;
    }
}
