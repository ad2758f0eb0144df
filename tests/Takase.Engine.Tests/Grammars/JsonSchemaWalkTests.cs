using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;
using Takase.Engine.Tests.Tokenizers;

namespace Takase.Engine.Tests.Grammars;

/// <summary>
/// Generates random texts through schema grammars, byte by byte and token by token with real vocabularies, and
/// checks that every one parses with System.Text.Json and satisfies the schema (by <see cref="SchemaValidator"/>).
/// Each schema also comes with an instance that breaks it, which both the grammar and the validator must refuse,
/// so neither check is vacuous.
/// </summary>
public class JsonSchemaWalkTests
{
    public static TheoryData<string, string, string> Schemas => new()
    {
        {
            "nested objects",
            """
            {"type":"object","properties":{
               "name":{"type":"string","minLength":1,"maxLength":12},
               "age":{"type":"integer","minimum":0,"maximum":120},
               "email":{"type":"string","format":"email"},
               "address":{"type":"object","properties":{"city":{"type":"string","maxLength":10},"zip":{"type":"string","pattern":"^\\d{3}-\\d{4}$"}},"required":["city"]}},
             "required":["name","age"]}
            """,
            """{"name":"Ann","age":121}"""
        },
        {
            "arrays",
            """
            {"type":"array","minItems":1,"maxItems":4,"items":{"type":"object","properties":{
               "id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":3}},"required":["id","tags"]}}
            """,
            """[{"id":1,"tags":["a","b","c","d"]}]"""
        },
        {
            "enums",
            """
            {"type":"object","properties":{"color":{"enum":["red","緑","青い \"blue\""]},"size":{"enum":[1,2.5,null]},"flag":{"const":true}},
             "required":["color","size","flag"]}
            """,
            """{"color":"blue","size":1,"flag":true}"""
        },
        {
            "recursive refs",
            """
            {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{
               "value":{"type":"integer","minimum":-5,"maximum":5},
               "children":{"type":"array","maxItems":2,"items":{"$ref":"#/$defs/node"}}},"required":["value"]}}}
            """,
            """{"value":1,"children":[{"value":9}]}"""
        },
        {
            "anyOf",
            """
            {"type":"object","properties":{"shape":{"anyOf":[
               {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number","minimum":0,"maximum":10}},"required":["kind","r"]},
               {"type":"object","properties":{"kind":{"const":"rect"},"w":{"type":"integer","minimum":1},"h":{"type":"integer","minimum":1}},"required":["kind","w","h"]}]}},
             "required":["shape"]}
            """,
            """{"shape":{"kind":"rect","w":0,"h":1}}"""
        },
        {
            "Japanese strings",
            """
            {"type":"object","properties":{
               "名前":{"type":"string","pattern":"^[ぁ-んァ-ヶ一-龯]{1,6}$"},
               "ふりがな":{"type":"string","pattern":"^[ぁ-ん]+$"},
               "メモ":{"type":"string","maxLength":15}},
             "required":["名前","ふりがな"]}
            """,
            """{"名前":"山田","ふりがな":"ヤマダ"}"""
        },
        {
            "formats",
            """
            {"type":"object","properties":{"d":{"type":"string","format":"date"},"t":{"type":"string","format":"time"},
               "dt":{"type":"string","format":"date-time"},"id":{"type":"string","format":"uuid"}},"required":["d","t","dt","id"]}
            """,
            """{"d":"2023-02-30","t":"10:00:00Z","dt":"2023-01-01T00:00:00Z","id":"123e4567-e89b-12d3-a456-426614174000"}"""
        },
        {
            "additional properties and type unions",
            """
            {"type":"object","properties":{"v":{"type":["integer","null"]},"label":{"type":"string","maxLength":4}},"required":["v"],
             "additionalProperties":{"type":"boolean"}}
            """,
            """{"v":null,"x":1}"""
        },
        {
            "tuples",
            """
            {"type":"array","prefixItems":[{"type":"string","maxLength":5},{"type":"number","exclusiveMinimum":0,"maximum":5},{"type":"boolean"}],
             "items":{"type":"null"},"minItems":2,"maxItems":5}
            """,
            """["a",0]"""
        },
        {
            "allOf and oneOf",
            """
            {"allOf":[{"type":"object","properties":{"id":{"type":"string","pattern":"^[A-Z]{2}[0-9]{2,4}$"}},"required":["id"]},
                      {"properties":{"status":{"oneOf":[{"const":"open"},{"const":"closed"}]},"score":{"type":"number"}},"required":["status"]}]}
            """,
            """{"id":"AB1","status":"open"}"""
        },
        {
            "any object",
            """{"type":"object"}""",
            """[1]"""
        },
    };

    private static Grammar GrammarFor(string schema) => JsonSchemaGrammar.FromSchema(JsonNode.Parse(schema));

    private static void AssertValid(string name, string schema, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            Assert.Fail($"{name}: generated text does not parse as JSON ({e.Message}):\n{text}");
            return;
        }
        using (document)
        {
            var errors = new SchemaValidator(JsonNode.Parse(schema)!).Validate(document.RootElement);
            Assert.True(errors.Count == 0, $"{name}: generated text breaks the schema ({string.Join("; ", errors)}):\n{text}");
        }
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void TheCounterexampleIsRefusedByTheGrammarAndTheValidator(string name, string schema, string invalid)
    {
        Assert.False(GrammarMatcher.Matches(GrammarFor(schema), invalid), $"{name}: the grammar accepts {invalid}");
        using var document = JsonDocument.Parse(invalid);
        Assert.NotEmpty(new SchemaValidator(JsonNode.Parse(schema)!).Validate(document.RootElement));
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void RandomByteWalksSatisfyTheSchema(string name, string schema, string invalid)
    {
        _ = invalid;
        var grammar = GrammarFor(schema);
        var random = new Random(name.Length * 7919);
        for (var walk = 0; walk < 25; walk++)
        {
            var text = Encoding.UTF8.GetString(GrammarWalks.RandomBytes(grammar, random, budget: 120));
            AssertValid(name, schema, text);
            if (walk == 0) TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {text}");
        }
    }

    [Theory]
    [MemberData(nameof(Schemas))]
    public void RandomQwenTokenWalksSatisfyTheSchema(string name, string schema, string invalid)
    {
        _ = invalid;
        var tokenizer = SharedVocabularies.Vocab("qwen2.5-rebuilt");
        var constraint = new GrammarConstraint(GrammarFor(schema), tokenizer);
        var random = new Random(name.Length * 104729);
        for (var walk = 0; walk < 4; walk++)
        {
            var text = GrammarWalks.RandomTokens(constraint, tokenizer, random, budget: 30);
            AssertValid(name, schema, text);
            if (walk == 0) TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {text}");
        }
    }

    [Theory]
    [InlineData("llama-spm")]
    [InlineData("llama3.2-rebuilt")]
    public void RandomTokenWalksWithOtherVocabularies(string vocabulary)
    {
        // SentencePiece (byte-fallback tokens, ▁ spaces) and Llama 3's byte-level BPE.
        var tokenizer = SharedVocabularies.Vocab(vocabulary);
        var random = new Random(11);
        foreach (var row in Schemas.Take(6))
        {
            var (name, schema, _) = row.Data;
            var constraint = new GrammarConstraint(GrammarFor(schema), tokenizer);
            AssertValid(name, schema, GrammarWalks.RandomTokens(constraint, tokenizer, random, budget: 25));
        }
    }

    [Fact]
    public void RandomTokenWalksWithATinyVocabularyThatSplitsCharacters()
    {
        // Byte tokens cut every multi-byte character into pieces, so the constraint must follow partial characters.
        var tokenizer = TinyVocabulary.Create("{", "}", "\"", ":", ",", " ", "[", "]", "true", "null", "1", "-", "名前", "ふりがな", "\":", "\"}", "やま", "だ");
        var random = new Random(3);
        foreach (var row in Schemas)
        {
            var (name, schema, _) = row.Data;
            var constraint = new GrammarConstraint(GrammarFor(schema), tokenizer);
            for (var walk = 0; walk < 5; walk++)
                AssertValid(name, schema, GrammarWalks.RandomTokens(constraint, tokenizer, random, budget: 60));
        }
    }
}
