using System.CommandLine;
using System.Text.Json;
using Takase.Engine.Gguf;
using Takase.Engine.Tokenizers;

namespace Takase.Cli.Commands;

/// <summary><c>takase tokenize MODEL TEXT</c>: prints token ids, like llama-tokenize.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Argument<FileInfo>("model") { Description = "GGUF model (or vocabulary-only) file." };
        var text = new Argument<string?>("text") { Description = "Text to tokenize.", Arity = ArgumentArity.ZeroOrOne };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not add BOS/EOS tokens even if the model asks for them." };
        var parseSpecial = new Option<bool>("--parse-special") { Description = "Turn special-token texts such as <|im_start|> into their ids." };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of ids." };
        var stdin = new Option<bool>("--stdin") { Description = "Read the text from standard input." };
        var showPieces = new Option<bool>("--pieces") { Description = "Print each id with its text, one per line." };
        var command = new Command("tokenize", "Print the token ids of a text.") { model, text, noBos, parseSpecial, json, stdin, showPieces };
        command.SetAction((parse, _) => Task.FromResult(CliErrors.Guard(() =>
        {
            var input = parse.GetValue(stdin) ? Console.In.ReadToEnd() : parse.GetValue(text)
                ?? throw new ArgumentException("give the text to tokenize, or --stdin");
            using var file = GgufFile.Open(parse.GetValue(model)!.FullName);
            var tokenizer = Tokenizer.FromGguf(file);
            var ids = tokenizer.Encode(input, addSpecial: !parse.GetValue(noBos), parseSpecial: parse.GetValue(parseSpecial));
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(ids));
            else if (parse.GetValue(showPieces))
                foreach (var id in ids) Console.WriteLine($"{id,6} -> '{tokenizer.TokenText(id)}'");
            else Console.WriteLine("[" + string.Join(", ", ids) + "]");
            return 0;
        })));
        return command;
    }
}
