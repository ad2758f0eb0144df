#:project ../src/Takase.Engine/Takase.Engine.csproj
// Measures parse and render time of every shared chat template on the corpus tool-use conversation.
// Usage: dotnet run -c Release tools/templates-bench.cs [-- path/to/templates]
using System.Diagnostics;
using System.Text.Json.Nodes;
using Takase.Engine.Templates;

var root = Path.GetFullPath(Path.Combine(AppContext.GetData("EntryPointFileDirectoryPath") as string ?? ".", ".."));
var templatesDir = args.Length > 0 ? args[0] : Path.Combine(root, "..", "shared", "data", "templates");
var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "tests", "Takase.Engine.Tests", "Fixtures", "templates", "cases.json")))!;
var toolCase = manifest["cases"]!["tool_use"]!;
var globals = new Dictionary<string, object?>
{
    ["messages"] = ChatTemplate.FromJson(toolCase["messages"]),
    ["tools"] = ChatTemplate.FromJson(toolCase["tools"]),
    ["documents"] = null,
    ["add_generation_prompt"] = true,
    ["bos_token"] = "<s>",
    ["eos_token"] = "</s>",
};

var files = Directory.GetFiles(templatesDir, "*.jinja").Order().ToArray();
// Warm up the JIT on every code path first, so the first templates are not charged for compilation.
var warmup = Stopwatch.StartNew();
while (warmup.Elapsed.TotalSeconds < 3)
    foreach (var file in files)
        try { ChatTemplate.Parse(File.ReadAllText(file)).Render(globals); } catch (TemplateException) { }

var rows = new List<(string Name, double ParseUs, double RenderUs, int Chars)>();
foreach (var file in files)
{
    var source = File.ReadAllText(file);
    var template = ChatTemplate.Parse(source);
    string? output = null;
    try { output = template.Render(globals); } catch (TemplateException) { }
    var sw = Stopwatch.StartNew();
    var n = 0;
    while (sw.ElapsedMilliseconds < 100) { ChatTemplate.Parse(source); n++; }
    var parseUs = sw.Elapsed.TotalMicroseconds / n;
    sw.Restart();
    n = 0;
    while (sw.ElapsedMilliseconds < 200)
    {
        try { template.Render(globals); } catch (TemplateException) { }
        n++;
    }
    rows.Add((Path.GetFileNameWithoutExtension(file), parseUs, sw.Elapsed.TotalMicroseconds / n, output?.Length ?? -1));
}
foreach (var r in rows.OrderByDescending(r => r.RenderUs).Take(10))
    Console.WriteLine($"{r.Name,-52} parse {r.ParseUs,8:F1} us   render {r.RenderUs,8:F1} us   {r.Chars,6} chars");
Console.WriteLine($"median render {rows.Select(r => r.RenderUs).Order().ElementAt(rows.Count / 2):F1} us, median parse {rows.Select(r => r.ParseUs).Order().ElementAt(rows.Count / 2):F1} us over {rows.Count} templates");
