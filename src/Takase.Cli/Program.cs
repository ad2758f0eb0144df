using System.CommandLine;
using System.Text;
using Takase.Cli.Commands;

Console.OutputEncoding = new UTF8Encoding(false);
Console.InputEncoding = new UTF8Encoding(false);

var root = new RootCommand("Takase: run open-weight GGUF models locally.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
return await root.Parse(args).InvokeAsync();
