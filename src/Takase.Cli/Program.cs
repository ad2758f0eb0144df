using System.CommandLine;
using System.Text;
using Takase.Cli.Commands;

Console.OutputEncoding = new UTF8Encoding(false);
Console.InputEncoding = new UTF8Encoding(false);

// Tables keep their columns when the output goes to a file or a pipe.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Profile.Width = 240;

var root = new RootCommand("Takase: run open-weight GGUF models locally.");
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
foreach (var command in ModelCommands.Create()) root.Subcommands.Add(command);
foreach (var command in PullCommand.Create()) root.Subcommands.Add(command);
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(RouterCommand.Create());
root.Subcommands.Add(PiiCommand.Create());
var parsed = root.Parse(args);
// An interactive `run` handles Ctrl-C itself (it stops the answer, not the chat); everywhere else Ctrl-C cancels the
// command's token, which ends it with exit code 130.
var invocation = new InvocationConfiguration();
if (parsed.CommandResult.Command.Name == "run") invocation.ProcessTerminationTimeout = null;
return await parsed.InvokeAsync(invocation);
