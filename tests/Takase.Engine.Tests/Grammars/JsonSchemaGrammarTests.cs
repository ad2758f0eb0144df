using System.Text.Json.Nodes;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;

namespace Takase.Engine.Tests.Grammars;

public class JsonSchemaGrammarTests
{
    private static Grammar Compile(string schema) => JsonSchemaGrammar.FromSchema(JsonNode.Parse(schema));

    private static void AssertAccepts(string schema, params string[] texts)
    {
        var grammar = Compile(schema);
        foreach (var text in texts) Assert.True(GrammarMatcher.Matches(grammar, text), $"should accept {text}\n{grammar.Source}");
    }

    private static void AssertRejects(string schema, params string[] texts)
    {
        var grammar = Compile(schema);
        foreach (var text in texts) Assert.False(GrammarMatcher.Matches(grammar, text), $"should reject {text}\n{grammar.Source}");
    }

    [Fact]
    public void Types()
    {
        AssertAccepts("""{"type":"string"}""", "\"\"", "\"abc\"", "\"日本\"");
        AssertRejects("""{"type":"string"}""", "1", "null", "\"a");
        AssertAccepts("""{"type":"integer"}""", "0", "-12", "1234567890123456");
        AssertRejects("""{"type":"integer"}""", "1.5", "01", "1e3", "12345678901234567");
        AssertAccepts("""{"type":"number"}""", "0", "-1.25", "6.02e23", "1E-5");
        AssertAccepts("""{"type":"boolean"}""", "true", "false");
        AssertAccepts("""{"type":"null"}""", "null");
        AssertAccepts("""{"type":["string","null"]}""", "null", "\"x\"");
        AssertRejects("""{"type":["string","null"]}""", "1");
        AssertAccepts("""{}""", "1", "\"s\"", "[{}]", "null");
        AssertAccepts("""true""", "{\"a\": [1]}");
    }

    [Fact]
    public void ObjectsListRequiredPropertiesFirstAndOptionalOnesInOrder()
    {
        const string schema = """
            {"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"},"d":{"type":"null"}},
             "required":["c","a"]}
            """;
        AssertAccepts(schema, """{"a":1,"c":true}""", """{"a":1,"c":true,"b":"x"}""", """{"a":1,"c":true,"d":null}""",
            """{"a":1,"c":true,"b":"x","d":null}""", """{ "a" : 1 , "c" : false }""");
        AssertRejects(schema, """{"c":true,"a":1}""", """{"a":1}""", """{"a":1,"c":true,"d":null,"b":"x"}""",
            """{"a":1,"c":true,"e":1}""", """{"a":"1","c":true}""");
    }

    [Fact]
    public void AdditionalProperties()
    {
        // Listed properties and no additionalProperties: no other keys (llama.cpp's default).
        AssertRejects("""{"properties":{"a":{"type":"integer"}}}""", """{"b":1}""");
        AssertAccepts("""{"properties":{"a":{"type":"integer"}}}""", "{}", """{"a":1}""");
        // A schema for the others: any other key, never a listed one again.
        const string typed = """{"properties":{"id":{"type":"integer"},"name":{"type":"string"}},"required":["id"],"additionalProperties":{"type":"number"}}""";
        AssertAccepts(typed, """{"id":1,"x":2.5}""", """{"id":1,"name":"n","i":1,"nam":2,"names":3,"":4}""");
        AssertRejects(typed, """{"id":1,"x":"s"}""", """{"id":1,"name":2}""", """{"id":1,"id":2}""", """{"id":1,"x":1,"name":"n"}""");
        // No properties: any object, or a map.
        AssertAccepts("""{"type":"object"}""", """{"anything":[1,{"b":null}]}""");
        AssertAccepts("""{"type":"object","additionalProperties":{"type":"integer"}}""", """{"a":1,"b":2}""");
        AssertRejects("""{"type":"object","additionalProperties":{"type":"integer"}}""", """{"a":"1"}""");
        AssertAccepts("""{"type":"object","properties":{"a":{}},"additionalProperties":true}""", """{"a":1,"zz":[true]}""");
    }

    [Fact]
    public void Arrays()
    {
        AssertAccepts("""{"type":"array","items":{"type":"integer"}}""", "[]", "[1]", "[1, 2, 3]");
        AssertRejects("""{"type":"array","items":{"type":"integer"}}""", "[1,]", "[\"a\"]");
        const string bounded = """{"type":"array","items":{"type":"boolean"},"minItems":2,"maxItems":3}""";
        AssertAccepts(bounded, "[true,false]", "[true,false,true]");
        AssertRejects(bounded, "[]", "[true]", "[true,true,true,true]");
        AssertAccepts("""{"type":"array","maxItems":0}""", "[]");
        AssertRejects("""{"type":"array","maxItems":0}""", "[1]");
        const string tuple = """{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]}""";
        AssertAccepts(tuple, "[]", "[\"a\"]", "[\"a\", 1]");
        AssertRejects(tuple, "[1]", "[\"a\", 1, 2]");
        const string tupleThenMore = """{"prefixItems":[{"type":"string"}],"items":{"type":"null"},"minItems":2}""";
        AssertAccepts(tupleThenMore, "[\"a\",null]", "[\"a\",null,null]");
        AssertRejects(tupleThenMore, "[\"a\"]", "[\"a\",1]");
        AssertAccepts("""{"items":[{"type":"integer"}],"additionalItems":{"type":"string"}}""", "[1]", "[1,\"a\",\"b\"]");
    }

    [Fact]
    public void EnumsAndConsts()
    {
        const string colors = """{"enum":["赤","green",3,null,{"a":[1]}]}""";
        AssertAccepts(colors, "\"赤\"", "\"green\"", "3", "null", "{\"a\":[1]}");
        AssertRejects(colors, "\"blue\"", "\"\\u8d64\"", "4");
        AssertAccepts("""{"const":"fixed \"quote\""}""", "\"fixed \\\"quote\\\"\"");
        AssertAccepts("""{"type":"string","enum":["a",1]}""", "\"a\"");
        AssertRejects("""{"type":"string","enum":["a",1]}""", "1");
    }

    [Fact]
    public void ReferencesAndRecursion()
    {
        const string tree = """
            {"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
              "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}}}
            """;
        AssertAccepts(tree, """{"value":1}""", """{"value":1,"children":[{"value":2,"children":[{"value":3}]}]}""");
        AssertRejects(tree, """{"value":1,"children":[{}]}""");
        AssertAccepts("""{"definitions":{"a":{"type":"integer"}},"type":"array","items":{"$ref":"#/definitions/a"}}""", "[1,2]");
        AssertAccepts("""{"type":"object","properties":{"self":{"$ref":"#"}}}""", """{"self":{"self":{}}}""");
        AssertAccepts("""{"$defs":{"a b/c":{"const":1}},"$ref":"#/$defs/a%20b~1c"}""", "1");
    }

    [Fact]
    public void AnyOfOneOfAllOf()
    {
        AssertAccepts("""{"anyOf":[{"type":"integer"},{"type":"string","maxLength":1}]}""", "1", "\"a\"");
        AssertRejects("""{"anyOf":[{"type":"integer"},{"type":"string","maxLength":1}]}""", "\"ab\"");
        AssertAccepts("""{"oneOf":[{"const":"x"},{"const":"y"}]}""", "\"x\"", "\"y\"");
        const string merged = """
            {"allOf":[{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]},
                      {"properties":{"b":{"type":"string"}},"required":["b"]}]}
            """;
        AssertAccepts(merged, """{"a":1,"b":"x"}""");
        AssertRejects(merged, """{"a":1}""", """{"b":"x"}""");
        // Keywords beside anyOf apply to every branch.
        const string shared = """
            {"type":"object","properties":{"kind":{"type":"string"}},"required":["kind"],
             "anyOf":[{"properties":{"n":{"type":"integer"}},"required":["n"]},{"properties":{"s":{"type":"string"}},"required":["s"]}]}
            """;
        AssertAccepts(shared, """{"kind":"a","n":1}""", """{"kind":"b","s":"x"}""");
        AssertRejects(shared, """{"n":1}""", """{"kind":"a"}""");
        // $ref beside other keywords: both apply.
        AssertAccepts("""{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2}""", "\"ab\"");
        AssertRejects("""{"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2}""", "\"abc\"");
        AssertAccepts("""{"type":"integer","nullable":true}""", "null", "5");
    }

    [Fact]
    public void StringLengthsCountCharacters()
    {
        const string schema = """{"type":"string","minLength":2,"maxLength":3}""";
        AssertAccepts(schema, "\"ab\"", "\"日本語\"", "\"\\n\\t\"", "\"😀😀\"");
        AssertRejects(schema, "\"a\"", "\"abcd\"", "\"日本語で\"");
        AssertAccepts("""{"type":"string","maxLength":0}""", "\"\"");
    }

    [Theory]
    [InlineData("^[a-z]+$", "\"abc\"", true)]
    [InlineData("^[a-z]+$", "\"abc1\"", false)]
    [InlineData("abc", "\"xxabcxx\"", true)]          // unanchored: anywhere
    [InlineData("abc", "\"xxabxcx\"", false)]
    [InlineData("^\\d{3}-\\d{4}$", "\"123-4567\"", true)]
    [InlineData("^\\d{3}-\\d{4}$", "\"123-456\"", false)]
    [InlineData("^(foo|bar)+baz$", "\"foobarfoobaz\"", true)]
    [InlineData("^(?:a|b)?c{2,}$", "\"bccc\"", true)]
    [InlineData("^(?<year>\\d{4})$", "\"2024\"", true)]
    [InlineData("^[^\"]*$", "\"no quotes\"", true)]
    [InlineData("^[^\"]*$", "\"a\\\"b\"", false)]
    [InlineData("^.\"$", "\"x\\\"\"", true)]            // a literal quote in the pattern is written escaped
    [InlineData("^a\\\\b$", "\"a\\\\b\"", true)]        // so is a backslash
    [InlineData("^\\s$", "\"\\n\"", true)]
    [InlineData("^\\s$", "\"\\u000b\"", true)]
    [InlineData("^.$", "\"\\n\"", false)]              // '.' excludes line terminators
    [InlineData("^[ぁ-ん]{2}$", "\"ねこ\"", true)]
    [InlineData("^[ぁ-ん]{2}$", "\"ネコ\"", false)]
    [InlineData("^\\w+@\\w+\\.com$", "\"a_1@b.com\"", true)]
    [InlineData("^\\u0041\\x42[\\u{1F600}]$", "\"AB😀\"", true)]
    [InlineData("^x*?y+?$", "\"xy\"", true)]
    [InlineData("^a|b$", "\"ax\"", true)]              // anchors bind to each alternative
    [InlineData("^a|b$", "\"xb\"", true)]
    [InlineData("^a|b$", "\"xa\"", false)]
    public void Patterns(string pattern, string text, bool valid)
    {
        var schema = new JsonObject { ["type"] = "string", ["pattern"] = pattern };
        Assert.Equal(valid, GrammarMatcher.Matches(JsonSchemaGrammar.FromSchema(schema), text));
    }

    [Theory]
    [InlineData("date", "\"2024-02-28\"", true)]
    [InlineData("date", "\"2024-04-30\"", true)]
    [InlineData("date", "\"2024-04-31\"", false)]
    [InlineData("date", "\"2024-13-01\"", false)]
    [InlineData("time", "\"23:59:59Z\"", true)]
    [InlineData("time", "\"08:30:00.123+09:00\"", true)]
    [InlineData("time", "\"24:00:00Z\"", false)]
    [InlineData("time", "\"08:30:00\"", false)]
    [InlineData("date-time", "\"2024-05-01T12:00:00+09:00\"", true)]
    [InlineData("date-time", "\"2024-05-01 12:00:00Z\"", false)]
    [InlineData("uuid", "\"123e4567-e89b-12d3-a456-426614174000\"", true)]
    [InlineData("uuid", "\"123e4567e89b12d3a456426614174000\"", false)]
    [InlineData("email", "\"not checked\"", true)]     // other formats are annotations
    public void Formats(string format, string text, bool valid)
    {
        var schema = new JsonObject { ["type"] = "string", ["format"] = format };
        Assert.Equal(valid, GrammarMatcher.Matches(JsonSchemaGrammar.FromSchema(schema), text));
    }

    [Theory]
    [InlineData("""{"type":"integer","minimum":0,"maximum":150}""", new[] { "0", "9", "10", "99", "100", "149", "150" }, new[] { "-1", "151", "1000", "00", "1.0" })]
    [InlineData("""{"type":"integer","minimum":-25,"maximum":-3}""", new[] { "-25", "-10", "-3" }, new[] { "-2", "0", "-26", "3" })]
    [InlineData("""{"type":"integer","exclusiveMinimum":-2,"exclusiveMaximum":2}""", new[] { "-1", "0", "1" }, new[] { "-2", "2" })]
    [InlineData("""{"type":"integer","minimum":1000}""", new[] { "1000", "99999", "1234567890123456" }, new[] { "999", "-5", "0" })]
    [InlineData("""{"type":"integer","maximum":-1000}""", new[] { "-1000", "-99999" }, new[] { "-999", "0", "5" })]
    [InlineData("""{"type":"integer","minimum":0.5,"maximum":2.5}""", new[] { "1", "2" }, new[] { "0", "3" })]
    [InlineData("""{"type":"integer","minimum":5,"exclusiveMinimum":true}""", new[] { "6" }, new[] { "5" })]
    [InlineData("""{"type":"number","minimum":0,"maximum":1}""", new[] { "0", "0.5", "0.999", "1", "1.000" }, new[] { "-0.1", "1.01", "2", "1e0" })]
    [InlineData("""{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":10}""", new[] { "0.1", "5", "9.99" }, new[] { "0", "0.0", "10", "10.5", "-1" })]
    [InlineData("""{"type":"number","minimum":-1,"maximum":1}""", new[] { "-1", "-0.5", "0", "0.25", "1" }, new[] { "-1.5", "1.5" })]
    [InlineData("""{"type":"number","minimum":-5,"exclusiveMaximum":0}""", new[] { "-5", "-0.01", "-4.5" }, new[] { "0", "-5.5", "0.5" })]
    public void NumericBounds(string schema, string[] valid, string[] invalid)
    {
        AssertAccepts(schema, valid);
        AssertRejects(schema, invalid);
    }

    [Theory]
    [InlineData("""{"not":{"type":"string"}}""", "#", "'not' is not supported")]
    [InlineData("""{"type":"object","properties":{"a":{"if":{},"then":{}}}}""", "#/properties/a", "'if' is not supported")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "#", "uniqueItems")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "#", "'patternProperties' is not supported")]
    [InlineData("""{"type":"number","multipleOf":2}""", "#", "'multipleOf' is not supported")]
    [InlineData("""{"$ref":"https://example.com/s.json"}""", "#", "points outside this schema")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "#", "points to nothing")]
    [InlineData("""{"$ref":"#anchor"}""", "#", "names an anchor")]
    [InlineData("""{"type":"strin"}""", "#", "unknown type 'strin'")]
    [InlineData("""{"type":"string","pattern":"^(?=a)b$"}""", "#", "lookahead")]
    [InlineData("""{"type":"string","pattern":"^(a)\\1$"}""", "#", "backreferences")]
    [InlineData("""{"type":"string","pattern":"\\bword"}""", "#", "word boundary")]
    [InlineData("""{"type":"string","pattern":"^\\p{L}+$"}""", "#", "Unicode property escapes")]
    [InlineData("""{"type":"string","pattern":"a$b"}""", "#", "'$' before the end")]
    [InlineData("""{"type":"string","pattern":"^(a"}""", "#", "missing ')'")]
    [InlineData("""{"type":"string","pattern":"^[a-"}""", "#", "unterminated character class")]
    [InlineData("""{"type":"string","pattern":"^a{3,1}$"}""", "#", "maximum below its minimum")]
    [InlineData("""{"type":"string","pattern":"^a","maxLength":3}""", "#", "'pattern' together with minLength or maxLength")]
    [InlineData("""{"type":"string","minLength":3,"maxLength":2}""", "#", "minLength 3 is more than maxLength 2")]
    [InlineData("""{"type":"string","maxLength":1000000}""", "#", "above the supported limit")]
    [InlineData("""{"type":"array","minItems":-1}""", "#", "'minItems' must be a non-negative integer")]
    [InlineData("""{"type":"array","prefixItems":[{}],"minItems":2}""", "#", "minItems 2 is more than the 1 items")]
    [InlineData("""{"type":"integer","minimum":3,"maximum":2}""", "#", "no integer lies within the bounds")]
    [InlineData("""{"type":"number","minimum":0.5}""", "#", "only whole-number bounds")]
    [InlineData("""{"enum":[]}""", "#", "'enum' has no value")]
    [InlineData("""{"type":"string","enum":[1,2]}""", "#", "'enum' has no value of the schema's type")]
    [InlineData("""{"type":"object","properties":{"a":false},"required":["a"]}""", "#", "property 'a' is required but its schema is false")]
    [InlineData("""{"allOf":[{"type":"string"},{"type":"integer"}]}""", "#", "which no value has")]
    [InlineData("""{"allOf":[{"pattern":"^a"},{"pattern":"^b"}]}""", "#", "'pattern' differ")]
    [InlineData("""{"allOf":[{"$ref":"#"}]}""", "#/allOf/0", "nest too deep")]
    [InlineData("""false""", "#", "no value satisfies")]
    [InlineData("""{"anyOf":[]}""", "#", "'anyOf' is empty")]
    [InlineData("""{"properties":{"a":7}}""", "#/properties/a", "a schema must be an object or a boolean")]
    public void UnsupportedOrBrokenSchemasAreRefusedWithTheirLocation(string schema, string path, string message)
    {
        var error = Assert.Throws<JsonSchemaException>(() => JsonSchemaGrammar.FromSchema(JsonNode.Parse(schema)));
        Assert.Contains(message, error.Message);
        Assert.Equal(path, error.SchemaPath);
    }

    [Fact]
    public void SchemasBuiltInCodeWork()
    {
        // Numbers put into nodes as int, long, decimal or double (not parsed from text) are read the same way.
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["n"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 9L },
                ["x"] = new JsonObject { ["type"] = "number", ["exclusiveMaximum"] = 2m },
                ["s"] = new JsonObject { ["type"] = "string", ["maxLength"] = 2.0 },
                ["e"] = new JsonObject { ["enum"] = new JsonArray(1, "a", 2.5) },
            },
            ["required"] = new JsonArray("n"),
        };
        var grammar = JsonSchemaGrammar.FromSchema(schema);
        Assert.True(GrammarMatcher.Matches(grammar, """{"n":9,"x":1.5,"s":"ab","e":2.5}"""));
        Assert.False(GrammarMatcher.Matches(grammar, """{"n":10}"""));
        Assert.False(GrammarMatcher.Matches(grammar, """{"n":1,"x":2}"""));
        Assert.False(GrammarMatcher.Matches(grammar, """{"n":1,"s":"abc"}"""));
    }

    [Fact]
    public void AGrammarTooLargeToBuildIsASchemaError()
    {
        // Each bound is allowed on its own; together they expand past the grammar size limit.
        var properties = new JsonObject();
        for (var i = 0; i < 8; i++) properties[$"p{i}"] = new JsonObject { ["type"] = "string", ["maxLength"] = 100_000 - i };   // distinct, so not shared
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        var error = Assert.Throws<JsonSchemaException>(() => JsonSchemaGrammar.FromSchema(schema));
        Assert.Contains("expands to more than", error.Message);
        Assert.IsAssignableFrom<ArgumentException>(error);
    }

    [Fact]
    public void AnnotationsAndUnknownKeywordsAreIgnored()
    {
        var plain = JsonSchemaGrammar.ToGbnf(JsonNode.Parse("""{"type":"object","properties":{"a":{"type":"string"}}}"""));
        var annotated = JsonSchemaGrammar.ToGbnf(JsonNode.Parse("""
            {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"T","description":"D","type":"object",
             "properties":{"a":{"type":"string","examples":["e"],"default":"d","deprecated":false,"x-vendor":1}},"$comment":"c"}
            """));
        Assert.Equal(plain, annotated);
    }

    [Fact]
    public void TheGbnfIsReadableAndParsesBack()
    {
        var gbnf = JsonSchemaGrammar.ToGbnf(JsonNode.Parse("""
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"]}
            """));
        var lines = gbnf.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("root ::= \"{\" space name-kv \",\" space age-kv \"}\" space", lines[0]);
        Assert.Contains("name-kv ::= \"\\\"name\\\"\" space \":\" space string", lines);
        Assert.Contains("age ::= ([0-9] | [1-9] [0-9] | \"1\" ([0-4] [0-9] | \"5\" \"0\")) space", lines);
        Assert.True(GrammarMatcher.Matches(Grammar.Parse(gbnf), """{"name": "Ann", "age": 150}"""));
        Assert.Equal(gbnf, JsonSchemaGrammar.ToGbnf(JsonNode.Parse("""
            {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150}},"required":["name","age"]}
            """)));
    }
}
