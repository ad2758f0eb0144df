namespace Takase.Engine.Tokenizers.Unicode;

/// <summary>
/// The character classes llama.cpp's tokenizers test (its <c>unicode_cpt_flags</c>): exactly one general-category
/// group per code point, plus the White_Space property. Values match llama.cpp's so the two read the same way.
/// </summary>
[Flags]
internal enum CodePointFlags : ushort
{
    None = 0,
    /// <summary>Cn: not assigned in the Unicode version the runtime knows.</summary>
    Undefined = 0x0001,
    /// <summary>\p{N}: Nd, Nl, No.</summary>
    Number = 0x0002,
    /// <summary>\p{L}: Lu, Ll, Lt, Lm, Lo.</summary>
    Letter = 0x0004,
    /// <summary>\p{Z}: Zs, Zl, Zp.</summary>
    Separator = 0x0008,
    /// <summary>\p{M}: Mn, Mc, Me.</summary>
    Mark = 0x0010,
    /// <summary>\p{P}: Pc, Pd, Ps, Pe, Pi, Pf, Po.</summary>
    Punctuation = 0x0020,
    /// <summary>\p{S}: Sm, Sc, Sk, So.</summary>
    Symbol = 0x0040,
    /// <summary>\p{C} without Cn: Cc, Cf, Cs, Co.</summary>
    Control = 0x0080,
    /// <summary>The category bits; exactly one is set for every code point.</summary>
    Categories = 0x00FF,
    /// <summary>Unicode White_Space (what \s means to the tokenizers' regexes).</summary>
    Whitespace = 0x0100,
}
