using System.Globalization;

namespace Takase.Engine.Gguf;

/// <summary>
/// One metadata value. Scalars hold the CLR type of their GGUF type (byte, sbyte, ushort, short, uint, int, float,
/// bool, string, ulong, long, double); arrays hold a <see cref="GgufArray"/>.
/// </summary>
public sealed record GgufValue(GgufValueType Type, object Value)
{
    /// <summary>The value as an array; throws when it is a scalar.</summary>
    public GgufArray AsArray() => Value as GgufArray ?? throw new InvalidCastException($"GGUF value of type {Type} is not an array");

    /// <summary>True for the eight integer types.</summary>
    public static bool IsInteger(GgufValueType t) => t is GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.UInt16
        or GgufValueType.Int16 or GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.UInt64 or GgufValueType.Int64;

    /// <summary>A short human-readable rendering (arrays are summarised), for `show`-style listings.</summary>
    public override string ToString() => Value switch
    {
        GgufArray a => a.ToString(),
        float f => f.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture) ?? "",
    };
}

/// <summary>
/// A metadata array: <see cref="Items"/> is a typed CLR array (string[], float[], int[], …) or, for nested arrays,
/// a <c>GgufArray[]</c>.
/// </summary>
public sealed record GgufArray(GgufValueType ElementType, Array Items)
{
    /// <summary>Number of elements.</summary>
    public int Length => Items.Length;

    /// <inheritdoc />
    public override string ToString() => $"[{ElementType.ToString().ToLowerInvariant()} × {Items.Length}]";
}
