namespace Takase.Engine.Grammars.Json;

/// <summary>
/// The GBNF rules every JSON grammar is built from. Whitespace between tokens is allowed but bounded (at most two
/// newlines and twenty spaces or tabs at a time, as in llama.cpp) so a model cannot loop on it forever; numbers have
/// at most 16 digits per part and 2 in the exponent, so every number parses as a finite double (and every integer as
/// a long); <c>\u</c> escapes exclude surrogates, so every string decodes to valid Unicode.
/// </summary>
internal static class JsonPrimitives
{
    private static readonly Dictionary<string, (string Body, string[] Uses)> Rules = new(StringComparer.Ordinal)
    {
        ["space"] = ("| \" \" | \"\\n\"{1,2} [ \\t]{0,20}", []),
        ["null"] = ("\"null\" space", ["space"]),
        ["boolean"] = ("(\"true\" | \"false\") space", ["space"]),
        ["hex"] = ("[0-9a-fA-F]", []),
        // \u escapes for anything but a surrogate half (D800-DFFF).
        ["unicode-escape"] = ("\"u\" ([0-9a-cA-C] hex{3} | [dD] [0-7] hex{2} | [eEfF] hex{3})", ["hex"]),
        ["char"] = ("[^\"\\\\\\x00-\\x1F] | \"\\\\\" ([\"\\\\/bfnrt] | unicode-escape)", ["unicode-escape"]),
        ["string"] = ("\"\\\"\" char* \"\\\"\" space", ["char", "space"]),
        ["integral-part"] = ("\"0\" | [1-9] [0-9]{0,15}", []),
        ["integer"] = ("\"-\"? integral-part space", ["integral-part", "space"]),
        ["number"] = ("\"-\"? integral-part (\".\" [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})? space", ["integral-part", "space"]),
        ["value"] = ("object | array | string | number | boolean | null", ["object", "array", "string", "number", "boolean", "null"]),
        ["object"] = ("\"{\" space (string \":\" space value (\",\" space string \":\" space value)*)? \"}\" space", ["string", "space", "value"]),
        ["array"] = ("\"[\" space (value (\",\" space value)*)? \"]\" space", ["value", "space"]),
        // RFC 3339 full-date with each month's days (29 February left out, being valid only in leap years), years 1000-9999.
        ["date"] = ("[1-9] [0-9]{3} \"-\" ((\"0\" [13578] | \"1\" [02]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01]) | (\"0\" [469] | \"11\") \"-\" (\"0\" [1-9] | [12] [0-9] | \"30\") | \"02-\" (\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8]))", []),
        // RFC 3339 full-time; no leap second.
        ["time"] = ("([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]{1,7})? (\"Z\" | [+-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9])", []),
        ["date-time"] = ("date \"T\" time", ["date", "time"]),
        ["uuid"] = ("hex{8} \"-\" hex{4} \"-\" hex{4} \"-\" hex{4} \"-\" hex{12}", ["hex"]),
        ["date-string"] = ("\"\\\"\" date \"\\\"\" space", ["date", "space"]),
        ["time-string"] = ("\"\\\"\" time \"\\\"\" space", ["time", "space"]),
        ["date-time-string"] = ("\"\\\"\" date-time \"\\\"\" space", ["date-time", "space"]),
        ["uuid-string"] = ("\"\\\"\" uuid \"\\\"\" space", ["uuid", "space"]),
    };

    /// <summary>Whether <paramref name="name"/> is one of these rules.</summary>
    public static bool Contains(string name) => Rules.ContainsKey(name);

    /// <summary>The body of rule <paramref name="name"/> and the rules it uses.</summary>
    public static (string Body, string[] Uses) Get(string name) => Rules[name];
}
