namespace Takase.Engine.Gguf;

public sealed partial class GgufFile
{
    /// <summary>general.architecture, or null.</summary>
    public string? Architecture => GetString("general.architecture");

    /// <summary>A string value, or null when absent.</summary>
    public string? GetString(string key) => Typed(key, GgufValueType.String) is { } v ? (string)v.Value : null;

    /// <summary>Any integer value widened to long, or null when absent.</summary>
    public long? GetInteger(string key)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        return v.Value switch
        {
            byte b => b, sbyte b => b, ushort s => s, short s => s, uint u => u, int i => i, long l => l,
            ulong u => u <= long.MaxValue ? (long)u : throw WrongType(key, v, "an integer up to 2^63"),
            _ => throw WrongType(key, v, "an integer"),
        };
    }

    /// <summary>A float32 or float64 value, or null when absent.</summary>
    public float? GetFloat(string key)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        return v.Value switch
        {
            float f => f,
            double d => (float)d,
            _ => throw WrongType(key, v, "a float"),
        };
    }

    /// <summary>A bool value, or null when absent.</summary>
    public bool? GetBool(string key) => Typed(key, GgufValueType.Bool) is { } v ? (bool)v.Value : null;

    /// <summary>An array of strings, or null when absent.</summary>
    public string[]? GetStringArray(string key) => (string[]?)TypedArray(key, GgufValueType.String);

    /// <summary>An array of float32 values, or null when absent.</summary>
    public float[]? GetFloatArray(string key) => (float[]?)TypedArray(key, GgufValueType.Float32);

    /// <summary>An array of any integer type, narrowed to int (values out of range are an error), or null.</summary>
    public int[]? GetIntArray(string key)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        if (v.Value is not GgufArray a || !GgufValue.IsInteger(a.ElementType)) throw WrongType(key, v, "an integer array");
        if (a.Items is int[] ints) return ints;
        var result = new int[a.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var x = Convert.ToDecimal(a.Items.GetValue(i));
            if (x is < int.MinValue or > int.MaxValue) throw new GgufFormatException($"{Path}: metadata '{key}' element {i} ({x}) does not fit in int");
            result[i] = (int)x;
        }
        return result;
    }

    private GgufValue? Typed(string key, GgufValueType type)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        return v.Type == type ? v : throw WrongType(key, v, type.ToString().ToLowerInvariant());
    }

    private Array? TypedArray(string key, GgufValueType elementType)
    {
        if (!Metadata.TryGetValue(key, out var v)) return null;
        if (v.Value is GgufArray a && a.ElementType == elementType) return a.Items;
        throw WrongType(key, v, $"an array of {elementType.ToString().ToLowerInvariant()}");
    }

    private GgufFormatException WrongType(string key, GgufValue v, string expected) =>
        new($"{Path}: metadata '{key}' is {(v.Value is GgufArray a ? $"an array of {a.ElementType}" : v.Type.ToString())}; expected {expected}");
}
