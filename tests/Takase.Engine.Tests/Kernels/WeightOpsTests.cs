using Takase.Engine.Kernels;
using Takase.Engine.Models;
using Takase.Engine.Tensors;
using Takase.Engine.Tests.Tensors;

namespace Takase.Engine.Tests.Kernels;

/// <summary>The fused and batched entry points run the same row kernels as <see cref="WeightOps.MatVec"/>, so their
/// results must be identical, whatever the split over threads.</summary>
public sealed unsafe class WeightOpsTests
{
    [Fact]
    public void SharedInputProductsEqualSeparateOnes()
    {
        const int cols = 512;
        var x = TensorTestData.RandomVector(cols, seed: 3);
        // Mixed types as in a Q4_K_M layer: two share the Q8_K activation, one needs Q8, one plain floats.
        (GgmlType Type, int Rows)[] specs = [(GgmlType.Q4_K, 700), (GgmlType.Q6_K, 130), (GgmlType.Q5_0, 257), (GgmlType.F32, 64)];
        var data = specs.Select((s, i) => TensorTestData.RandomRow(s.Type, cols * s.Rows, seed: i)).ToArray();
        var handles = data.Select(d => System.Runtime.InteropServices.GCHandle.Alloc(d, System.Runtime.InteropServices.GCHandleType.Pinned)).ToArray();
        try
        {
            var w = specs.Select((s, i) => new Weight((byte*)handles[i].AddrOfPinnedObject(), TensorTypes.Get(s.Type), s.Rows, cols, s.Type.ToString())).ToArray();
            var separate = w.Select(m => { var y = new float[m.Rows]; WeightOps.MatVec(m, x, y); return y; }).ToArray();

            var three = w[..3].Select(m => new float[m.Rows]).ToArray();
            WeightOps.MatVecShared(x, w[0], three[0], w[1], three[1], w[2], three[2]);
            for (int i = 0; i < 3; i++) Assert.Equal(separate[i], three[i]);

            var two = new[] { new float[w[3].Rows], new float[w[1].Rows] };
            WeightOps.MatVecShared(x, w[3], two[0], w[1], two[1]);
            Assert.Equal(separate[3], two[0]);
            Assert.Equal(separate[1], two[1]);

            // Three columns at once equal three single products.
            var xs = TensorTestData.RandomVector(3 * cols, seed: 9);
            var ys = new float[3 * w[0].Rows];
            WeightOps.MatMul(w[0], xs, 3, ys);
            for (int c = 0; c < 3; c++)
            {
                var y = new float[w[0].Rows];
                WeightOps.MatVec(w[0], xs.AsSpan(c * cols, cols), y);
                Assert.Equal(y, ys.AsSpan(c * w[0].Rows, w[0].Rows).ToArray());
            }
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }
}
