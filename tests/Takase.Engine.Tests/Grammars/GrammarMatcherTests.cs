using System.Text;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;

namespace Takase.Engine.Tests.Grammars;

public class GrammarMatcherTests
{
    private static bool Matches(string gbnf, string text) => GrammarMatcher.Matches(Grammar.Parse(gbnf), text);

    [Theory]
    [InlineData("x=1\n", true)]
    [InlineData("a +b*(c -2) = 42\n", true)]
    [InlineData("a + b = 42\n", false)]   // no space after an operator
    [InlineData("abc=abc\nx=(y)\n", true)]
    [InlineData("x=1", false)]          // the newline is required
    [InlineData("=1\n", false)]
    [InlineData("x+=1\n", false)]
    [InlineData("X=1\n", false)]        // identifiers are lower case
    [InlineData("x=(1\n", false)]
    public void Arithmetic(string text, bool valid) => Assert.Equal(valid, Matches(GbnfParsingTests.Arithmetic, text));

    [Theory]
    [InlineData("""{}""", true)]
    [InlineData("""{"a":1}""", true)]
    [InlineData("""{ "a" : [ 1 , -0.5 , 2e10 , 3E-2 , true , false , null ] }""", true)]
    [InlineData("""{"nested": {"deeper": {"deepest": []}}}""", true)]
    [InlineData("""{"esc": "\" \\ \/ \b \f \n \r \t \u00e9 \uFFFF"}""", true)]
    [InlineData("""{"日本語": "こんにちは、世界 🌏"}""", true)]
    [InlineData("{\n  \"a\": 1,\n  \"b\": 2\n}", true)]
    [InlineData("""[1]""", false)]                 // the top level is an object
    [InlineData("""{"a":1,}""", false)]            // trailing comma
    [InlineData("""{'a':1}""", false)]             // single quotes
    [InlineData("""{"a":01}""", false)]            // leading zero
    [InlineData("""{"a":1.}""", false)]
    [InlineData("""{"a":.5}""", false)]
    [InlineData("{\"a\":\"tab\there\"}", false)]   // raw control character in a string
    [InlineData("""{"a":"\x"}""", false)]          // unknown escape
    [InlineData("""{"a":"\ud800"}""", false)]      // surrogate escapes never decode to text
    [InlineData("""{"a":tru}""", false)]
    [InlineData("""{"a":1}}""", false)]
    [InlineData("""{"a" 1}""", false)]
    public void JsonObjectGrammar(string text, bool valid) => Assert.Equal(valid, GrammarMatcher.Matches(JsonGrammars.Object, text));

    [Theory]
    [InlineData("\"text\"")]
    [InlineData("-12.5e-3")]
    [InlineData("[[], [[]], {\"a\": [null]}]")]
    [InlineData("true")]
    [InlineData("null")]
    public void JsonAnyValueGrammar(string text) => Assert.True(GrammarMatcher.Matches(JsonGrammars.AnyValue, text));

    [Fact]
    public void WhitespaceIsBounded()
    {
        Assert.True(GrammarMatcher.Matches(JsonGrammars.Object, "{" + "\n" + new string(' ', 20) + "}"));
        Assert.False(GrammarMatcher.Matches(JsonGrammars.Object, "{" + "\n" + new string(' ', 21) + "}"));
        Assert.False(GrammarMatcher.Matches(JsonGrammars.Object, "{\n\n\n}"));
    }

    [Fact]
    public void DeepNestingKeepsWorking()
    {
        const int depth = 2000;
        var text = "{\"a\":" + new string('[', depth) + new string(']', depth) + "}";
        Assert.True(GrammarMatcher.Matches(JsonGrammars.Object, text));
        Assert.False(GrammarMatcher.Matches(JsonGrammars.Object, text[..^2] + "}"));
    }

    [Theory]
    [InlineData("[a-c]+", "abcabc", true)]
    [InlineData("[a-c]+", "abd", false)]
    [InlineData("[^a-c]+", "xyz!", true)]
    [InlineData("[^a-c]+", "xaz", false)]
    [InlineData("[^\"\\\\]*", "no quote or backslash", true)]
    [InlineData("[^\"\\\\]*", "back\\slash", false)]
    [InlineData("[-a]+", "-a-", true)]                         // a leading '-' is a member
    [InlineData("[a-]+", "a-", true)]                          // so is a trailing one
    [InlineData(". . .", "a\n\U0001F600", true)]                  // '.' is any code point; spaces only separate items
    [InlineData("[😀-🙏]+", "😃🙏", true)]                        // classes written with characters outside the BMP
    [InlineData("[😀-🙏]+", "😃🚀", false)]
    [InlineData("[\\x00-\\x7F]+", "ascii only", true)]
    [InlineData("[\\x00-\\x7F]+", "naïve", false)]
    public void CharacterClasses(string body, string text, bool valid) => Assert.Equal(valid, Matches("root ::= " + body, text));

    [Theory]
    [InlineData("\"ab\"{2,3}", "ab", false)]
    [InlineData("\"ab\"{2,3}", "abab", true)]
    [InlineData("\"ab\"{2,3}", "ababab", true)]
    [InlineData("\"ab\"{2,3}", "abababab", false)]
    [InlineData("[0-9]{3}", "123", true)]
    [InlineData("[0-9]{3}", "12", false)]
    [InlineData("[0-9]{3}", "1234", false)]
    [InlineData("\"x\"{2,}", "x", false)]
    [InlineData("\"x\"{2,}", "xxxxxxxxxx", true)]
    [InlineData("\"x\"{,2}", "", true)]
    [InlineData("\"x\"{,2}", "xx", true)]
    [InlineData("\"x\"{,2}", "xxx", false)]
    [InlineData("\"x\"{0}", "", true)]
    [InlineData("\"x\"{0}", "x", false)]
    [InlineData("(\"a\" | \"bc\")+", "abcbca", true)]
    [InlineData("(\"a\" | \"bc\")+", "", false)]
    [InlineData("(\"a\" | \"bc\")*", "", true)]
    [InlineData("\"a\"? \"b\"", "b", true)]
    [InlineData("\"a\"? \"b\"", "ab", true)]
    [InlineData("\"a\"? \"b\"", "aab", false)]
    [InlineData("(\"a\"{1,2}){2}", "aaaa", true)]
    [InlineData("(\"a\"{1,2}){2}", "aaaaa", false)]
    [InlineData("(\"a\"{1,2}){2}", "a", false)]
    public void RepetitionBounds(string body, string text, bool valid) => Assert.Equal(valid, Matches("root ::= " + body, text));

    [Fact]
    public void AmbiguousGrammarsMatchEveryParse()
    {
        Assert.True(Matches("root ::= (\"a\" | \"a\" \"a\")* \"b\"", "aaaaab"));
        Assert.True(Matches("root ::= x? x? x? \"!\"\nx ::= \"ab\" | \"a\"", "aaba!"));
        Assert.True(Matches("root ::= [a-z]* \"z\" [a-z]*", "zzzzz"));
        Assert.False(Matches("root ::= [a-z]* \"z\" [a-z]*", "abc"));
    }

    [Fact]
    public void JapaneseAndMultiByteCharacters()
    {
        const string hiragana = "root ::= [ぁ-ゟ]+ \"。\"";
        Assert.True(Matches(hiragana, "ひらがなです。"));
        Assert.False(Matches(hiragana, "カタカナ。"));
        Assert.False(Matches(hiragana, "ひらがな"));

        const string mixed = "root ::= name \"さん\" (\"、\" name \"さん\")*\nname ::= [一-龯ぁ-ゟァ-ヿ]{1,4}";
        Assert.True(Matches(mixed, "田中さん、すずきさん、サトウさん"));
        Assert.False(Matches(mixed, "田中さん、ABさん"));

        // Four-byte UTF-8: emoji and a kanji outside the BMP (𠮷, U+20BB7).
        Assert.True(Matches("root ::= [\\U0001F600-\\U0001F64F]+ \"𠮷\"", "😀🙏𠮷"));
        Assert.False(Matches("root ::= [\\U0001F600-\\U0001F64F]+ \"𠮷\"", "🚀𠮷"));
    }

    [Fact]
    public void BytesCanArriveSplitAnywhere_EvenInsideACharacter()
    {
        var grammar = Grammar.Parse("root ::= \"「\" [ぁ-ゟ一-龯]+ \"」\" [\\U0001F300-\\U0001FAFF]");
        var bytes = Encoding.UTF8.GetBytes("「東京は晴れ」🌞");
        // Every way to cut the text in two, and one byte at a time.
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            var matcher = grammar.CreateMatcher();
            Assert.True(matcher.CanAccept(bytes.AsSpan(0, cut)));
            matcher.Accept(bytes.AsSpan(0, cut));
            Assert.Equal(cut < bytes.Length, !matcher.IsComplete);
            matcher.Accept(bytes.AsSpan(cut));
            Assert.True(matcher.IsComplete);
        }

        var single = grammar.CreateMatcher();
        var insideCharacter = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            single.Accept(bytes.AsSpan(i, 1));
            if (single.IsInsideCharacter) insideCharacter++;
            Assert.Equal(i == bytes.Length - 1, single.IsComplete);
        }
        Assert.Equal(Encoding.UTF8.GetBytes("「東京は晴れ」🌞").Length - "「東京は晴れ」".Length - 1, insideCharacter);
        Assert.Equal(bytes.Length, single.BytesAccepted);
    }

    [Fact]
    public void APartialCharacterIsRefusedAsSoonAsNoAllowedCharacterCanStartThatWay()
    {
        var grammar = Grammar.Parse("root ::= [ぁ-ゟ]");   // U+3041..U+309F: E3 81 81 .. E3 82 9F
        var matcher = grammar.CreateMatcher();
        Assert.True(matcher.CanAccept([0xE3]));
        Assert.True(matcher.CanAccept([0xE3, 0x81]));
        Assert.True(matcher.CanAccept([0xE3, 0x82]));
        Assert.False(matcher.CanAccept([0xE3, 0x83]));      // katakana block: no hiragana starts with these bytes
        Assert.False(matcher.CanAccept([0xE4]));            // CJK ideographs
        Assert.False(matcher.CanAccept([0xC3]));            // a 2-byte character
        Assert.False(Grammar.Parse("root ::= [a-z]").CreateMatcher().CanAccept([0xE3]));
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 0x80 })]              // overlong NUL
    [InlineData(new byte[] { 0xE0, 0x80, 0xAF })]        // overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]        // a UTF-16 surrogate half
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]  // beyond U+10FFFF
    [InlineData(new byte[] { 0xF8 })]
    [InlineData(new byte[] { 0x80 })]                    // continuation without a lead
    [InlineData(new byte[] { 0xE3, 0x41 })]              // a lead cut off by ASCII
    public void InvalidUtf8IsNeverAccepted(byte[] bytes)
    {
        var matcher = Grammar.Parse("root ::= .*").CreateMatcher();
        Assert.False(matcher.TryAccept(bytes));
        Assert.Equal(0, matcher.BytesAccepted);
    }

    [Fact]
    public void ChecksDoNotChangeTheMatcher_AndRefusedInputChangesNothing()
    {
        var matcher = Grammar.Parse("root ::= \"ab\" | \"abc\"").CreateMatcher();
        Assert.True(matcher.CanAccept("ab"));
        Assert.False(matcher.CanAccept("b"));
        Assert.False(matcher.TryAccept("abx"u8));
        Assert.Equal(0, matcher.BytesAccepted);
        var error = Assert.Throws<InvalidOperationException>(() => matcher.Accept("ax"));
        Assert.Contains("byte 0x78 (byte 1 of the 2 given)", error.Message);

        matcher.Accept("ab");
        Assert.True(matcher.IsComplete);
        Assert.True(matcher.CanContinue);
        matcher.Accept("c");
        Assert.True(matcher.IsComplete);
        Assert.False(matcher.CanContinue);

        matcher.Reset();
        Assert.False(matcher.IsComplete);
        Assert.Equal(0, matcher.BytesAccepted);
        Assert.True(matcher.CanAccept("abc"));
    }

    [Fact]
    public void DroppingTheCachesMidwayChangesNoAnswer()
    {
        // Tiny cache limits force a compaction at almost every accept; the matcher must behave exactly the same.
        var text = Encoding.UTF8.GetBytes("""{"a": [1, 2, {"b": "ひらがな\n", "c": null}], "d": {"e": [true, false, -0.5e3]}}""");
        var compacting = new GrammarMatcher(JsonGrammars.Object, maxCachedStacks: 8, maxCachedStates: 4);
        var reference = JsonGrammars.Object.CreateMatcher();
        for (var i = 0; i < text.Length; i++)
        {
            for (var b = 0; b < 256; b++)
                Assert.Equal(reference.CanAccept([(byte)b]), compacting.CanAccept([(byte)b]));
            compacting.Accept(text.AsSpan(i, 1));
            reference.Accept(text.AsSpan(i, 1));
            Assert.Equal(reference.IsComplete, compacting.IsComplete);
        }
        Assert.True(compacting.IsComplete);
        Assert.True(compacting.Automaton.Compactions > 10);
    }

    [Fact]
    public void RandomByteWalksOfTheArithmeticGrammarAlwaysMatch()
    {
        var grammar = Grammar.Parse(GbnfParsingTests.Arithmetic);
        var random = new Random(7);
        for (var walk = 0; walk < 20; walk++)
        {
            var text = GrammarWalks.RandomBytes(grammar, random, budget: 60);
            Assert.True(GrammarMatcher.Matches(grammar, Encoding.UTF8.GetString(text)));
            Assert.EndsWith("\n", Encoding.UTF8.GetString(text).TrimEnd(' ', '\t'));
        }
    }
}
