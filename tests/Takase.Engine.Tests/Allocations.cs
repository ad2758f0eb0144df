namespace Takase.Engine.Tests;

/// <summary>Measures what a piece of work allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// The fewest bytes <paramref name="work"/> allocated on this thread over <paramref name="tries"/> runs. A leak in
    /// the work shows in every run; a one-off of the runtime (a lock inflated because another test held it, a method
    /// promoted by the tiered JIT) shows in one run only, so the fewest is what the work itself allocates.
    /// </summary>
    public static long Fewest(Action work, int tries = 3)
    {
        long fewest = long.MaxValue;
        for (int i = 0; i < tries && fewest > 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return fewest;
    }
}
