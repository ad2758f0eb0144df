namespace Takase.Routing.Data;

/// <summary>
/// K-fold splits for cross-validation and out-of-fold calibration: rows are shuffled with a seeded Fisher–Yates
/// shuffle (the same seed gives the same folds on every machine) and dealt round-robin into k folds of near-equal size.
/// </summary>
public static class KFold
{
    /// <summary>The fold (0..k−1) of each of <paramref name="count"/> rows.</summary>
    /// <exception cref="ArgumentException">k below 2 or above the row count.</exception>
    public static int[] Assign(int count, int folds, int seed)
    {
        if (folds < 2) throw new ArgumentException($"cross-validation needs at least 2 folds, not {folds}");
        if (folds > count) throw new ArgumentException($"{folds} folds need at least {folds} prompts; the data have {count}");
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(seed);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        var fold = new int[count];
        for (var k = 0; k < count; k++) fold[order[k]] = k % folds;
        return fold;
    }

    /// <summary>The row indices in fold <paramref name="fold"/> (test) and the rest (train).</summary>
    public static (int[] Train, int[] Test) Split(int[] assignment, int fold) =>
        (Enumerable.Range(0, assignment.Length).Where(i => assignment[i] != fold).ToArray(),
         Enumerable.Range(0, assignment.Length).Where(i => assignment[i] == fold).ToArray());
}
