using System.Runtime.CompilerServices;

namespace Takase.Engine.Tensors.Blocks;

// Fixed-length byte arrays for the block structs, so each struct reads like ggml's C declaration
// (uint8_t qs[16] → Bytes16 Qs) and indexes without unsafe code.

[InlineArray(4)] internal struct Bytes4 { private byte _e; }
[InlineArray(12)] internal struct Bytes12 { private byte _e; }
[InlineArray(16)] internal struct Bytes16 { private byte _e; }
[InlineArray(32)] internal struct Bytes32 { private byte _e; }
[InlineArray(64)] internal struct Bytes64 { private byte _e; }
[InlineArray(128)] internal struct Bytes128 { private byte _e; }
[InlineArray(16)] internal struct SBytes16 { private sbyte _e; }
[InlineArray(32)] internal struct SBytes32 { private sbyte _e; }
[InlineArray(256)] internal struct SBytes256 { private sbyte _e; }
[InlineArray(16)] internal struct Shorts16 { private short _e; }
