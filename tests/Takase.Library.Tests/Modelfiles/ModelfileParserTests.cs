using Takase.Library.Modelfiles;

namespace Takase.Library.Tests.Modelfiles;

public class ModelfileParserTests
{
    [Fact]
    public void ParsesEveryInstructionOfADocsStyleModelfile()
    {
        const string text = """
            # a comment line
            FROM llama3.2:1b
            parameter temperature 0.7
            PARAMETER num_ctx 4096
            PARAMETER stop <|start_header_id|>
            PARAMETER stop "<|eot_id|>"
            PARAMETER use_mmap false
            Template \"\"\"{{ if .System }}<|start_header_id|>system<|end_header_id|>

            {{ .System }}<|eot_id|>{{ end }}\"\"\"
            SYSTEM You are Mario from Super Mario Bros.
            ADAPTER ./lora.gguf
            LICENSE \"\"\"MIT
            second line\"\"\"
            LICENSE Apache-2.0
            MESSAGE user Is Toronto in Canada?
            MESSAGE assistant yes
            MESSAGE tool {"ok": true}
            REQUIRES v0.14.0
            """;
        var m = ModelfileParser.Parse(text.Replace("\\\"", "\""));

        Assert.Equal("llama3.2:1b", m.From);
        Assert.Equal(
            [new("temperature", "0.7"), new("num_ctx", "4096"), new("stop", "<|start_header_id|>"), new("stop", "<|eot_id|>"), new("use_mmap", "false")],
            m.Parameters);
        Assert.Equal("{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}", m.Template);
        Assert.Equal("You are Mario from Super Mario Bros.", m.System);
        Assert.Equal(["./lora.gguf"], m.Adapters);
        Assert.Equal(["MIT\nsecond line", "Apache-2.0"], m.Licenses);
        Assert.Equal([new("user", "Is Toronto in Canada?"), new("assistant", "yes"), new("tool", "{\"ok\": true}")], m.Messages);
        Assert.Equal("0.14.0", m.Requires);
        Assert.Equal(["<|start_header_id|>", "<|eot_id|>"], m.ParameterValues("stop"));
    }

    [Theory]
    [InlineData("FROM a\nSYSTEM   padded value   \n", "padded value")]
    [InlineData("FROM a\nSYSTEM \"  kept spaces  \"\n", "  kept spaces  ")]
    [InlineData("FROM a\nSYSTEM \"two\nlines\"\n", "two\nlines")]
    [InlineData("FROM a\nSYSTEM \"\"\"say \"hi\"\"\"\"\n", "say \"hi\"")]
    [InlineData("FROM a\nSYSTEM \"\"\n", "")]
    [InlineData("FROM a\nSYSTEM \"\"\"\"\"\"\n", "")]
    [InlineData("FROM a\r\nSYSTEM crlf\r\n", "crlf")]
    [InlineData("FROM a\nSYSTEM \"\"\"a\r\nb\"\"\"\r\n", "a\r\nb")]
    [InlineData("FROM a\nSYSTEM value # not a comment\n", "value # not a comment")]
    [InlineData("FROM a\nSYSTEM tab\there", "tab\there")]
    [InlineData("\uFEFFFROM a\nsystem lower-case instruction", "lower-case instruction")]
    [InlineData("FROM a\nSYSTEM \"unquoted \" end\" \n", "unquoted \" end")]
    public void ValuesFollowOllamasQuotingRules(string text, string expectedSystem) =>
        Assert.Equal(expectedSystem, ModelfileParser.Parse(text).System);

    [Fact]
    public void AValueWithTextAfterItsClosingQuotesRunsOnToTheNextLineThatEndsWithThem()
    {
        // Ollama's rule: a quoted value ends only where a line ends with the closing quotes.
        var m = ModelfileParser.Parse("FROM a\nSYSTEM \"x\" y\nz\"\nPARAMETER seed 1\n");
        Assert.Equal("x\" y\nz", m.System);
        Assert.Equal("1", m.Parameter("seed"));
    }

    [Fact]
    public void LaterFromLinesAreKeptInOrder()
    {
        var m = ModelfileParser.Parse("FROM /models/model.gguf\nFROM /models/projector.gguf\n");
        Assert.Equal("/models/model.gguf", m.From);
        Assert.Equal(["/models/projector.gguf"], m.AdditionalFrom);
    }

    [Theory]
    [InlineData("FROM a\nFOO bar\n", 2, 1, "unknown instruction 'FOO'")]
    [InlineData("FROM a\n  PARAMETR x 1\n", 2, 3, "unknown instruction 'PARAMETR'")]
    [InlineData("FROM a\nSYSTEM\n", 2, 7, "SYSTEM needs a value after a space")]
    [InlineData("FROM a\nFROM:x\n", 2, 1, "unknown instruction 'FROM:'")]
    [InlineData("FROM a\n=x\n", 2, 1, "expected an instruction")]
    [InlineData("FROM a\nPARAMETER temprature 0.7\n", 2, 11, "unknown parameter 'temprature'")]
    [InlineData("FROM a\nPARAMETER num_ctx 4k\n", 2, 19, "num_ctx takes a whole number")]
    [InlineData("FROM a\nPARAMETER temperature hot\n", 2, 23, "temperature takes a number")]
    [InlineData("FROM a\nPARAMETER use_mmap yes\n", 2, 20, "use_mmap takes true or false")]
    [InlineData("FROM a\nPARAMETER temperature NaN\n", 2, 23, "temperature takes a number")]
    [InlineData("FROM a\nPARAMETER num-ctx 1\n", 2, 14, "parameter names are letters, digits and _")]
    [InlineData("FROM a\nMESSAGE robot hi\n", 2, 9, "unknown MESSAGE role 'robot'")]
    [InlineData("FROM a\nSYSTEM \"\"\"never\nclosed\n", 2, 8, "unterminated \"\"\" value")]
    [InlineData("FROM a\nSYSTEM \"open\n", 2, 8, "unterminated \" value")]
    [InlineData("FROM a\nREQUIRES latest\n", 2, 10, "REQUIRES takes a semantic version")]
    [InlineData("FROM \"\"\n", 1, 6, "FROM needs a model name")]
    [InlineData("# only a comment\nSYSTEM hi\n", 0, 0, "no FROM line")]
    public void ErrorsNameLineColumnAndWhatWasExpected(string text, int line, int column, string problem)
    {
        var e = Assert.Throws<ModelfileParseException>(() => ModelfileParser.Parse(text));
        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("0.14.0", "0.14.0")]
    [InlineData("v1.2.3-rc.1+build.5", "1.2.3-rc.1+build.5")]
    [InlineData("v1.2", "1.2")]
    [InlineData("01.2.3", null)]
    [InlineData("1.2-rc", null)]
    public void RequiresTakesGoSemver(string written, string? stored) =>
        Assert.Equal(stored, ModelfileParser.NormalizeVersion(written));

    [Fact]
    public void ParameterNamesAreMatchedIgnoringCaseAndStoredCanonically()
    {
        var m = ModelfileParser.Parse("FROM a\nPARAMETER Temperature 1\nPARAMETER  top_k 5\n");
        Assert.Equal([new("temperature", "1"), new("top_k", "5")], m.Parameters);
    }
}
