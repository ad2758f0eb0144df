namespace Takase.Routing.Learned.Training;

/// <summary>
/// Limited-memory BFGS for smooth convex objectives (our L2-regularised logistic regressions): deterministic, no
/// learning rate to pick, and it reaches the optimum that SGD only circles. Two-loop recursion over the last
/// <c>memory</c> steps, with a backtracking (Armijo) line search.
/// </summary>
internal static class Lbfgs
{
    /// <summary>
    /// An objective: writes the gradient at <c>x</c> into <c>gradient</c> and returns the value.
    /// </summary>
    public delegate double Objective(ReadOnlySpan<double> x, Span<double> gradient);

    /// <summary>Minimises <paramref name="f"/> from <paramref name="x"/> (updated in place); returns the iterations used.</summary>
    public static int Minimize(Objective f, double[] x, int maxIterations = 200, int memory = 10, double tolerance = 1e-6)
    {
        var n = x.Length;
        var g = new double[n];
        var value = f(x, g);
        var s = new List<double[]>(memory);
        var y = new List<double[]>(memory);
        var rho = new List<double>(memory);
        var direction = new double[n];
        var xNew = new double[n];
        var gNew = new double[n];
        var alpha = new double[memory];
        var gradient0 = Norm(g);
        if (gradient0 == 0) return 0;

        for (var iteration = 1; iteration <= maxIterations; iteration++)
        {
            // direction = −H·g by the two-loop recursion
            Array.Copy(g, direction, n);
            for (var k = s.Count - 1; k >= 0; k--)
            {
                alpha[k] = rho[k] * Dot(s[k], direction);
                Axpy(-alpha[k], y[k], direction);
            }
            var scale = s.Count > 0 ? Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]) : 1.0 / Math.Max(1.0, gradient0);
            for (var i = 0; i < n; i++) direction[i] *= scale;
            for (var k = 0; k < s.Count; k++)
            {
                var beta = rho[k] * Dot(y[k], direction);
                Axpy(alpha[k] - beta, s[k], direction);
            }
            for (var i = 0; i < n; i++) direction[i] = -direction[i];

            var slope = Dot(g, direction);
            if (slope >= 0)
            {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.Clear(); y.Clear(); rho.Clear();
                for (var i = 0; i < n; i++) direction[i] = -g[i] / Math.Max(1.0, gradient0);
                slope = Dot(g, direction);
            }

            var step = 1.0;
            double newValue;
            while (true)
            {
                for (var i = 0; i < n; i++) xNew[i] = x[i] + step * direction[i];
                newValue = f(xNew, gNew);
                if (newValue <= value + 1e-4 * step * slope || step < 1e-12) break;
                step *= 0.5;
            }
            if (step < 1e-12) return iteration; // no progress possible

            var sk = new double[n];
            var yk = new double[n];
            for (var i = 0; i < n; i++)
            {
                sk[i] = xNew[i] - x[i];
                yk[i] = gNew[i] - g[i];
            }
            var sy = Dot(sk, yk);
            if (sy > 1e-12)
            {
                if (s.Count == memory) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
                s.Add(sk); y.Add(yk); rho.Add(1 / sy);
            }
            Array.Copy(xNew, x, n);
            Array.Copy(gNew, g, n);
            var improvement = value - newValue;
            value = newValue;
            if (Norm(g) <= tolerance * Math.Max(1.0, gradient0) || improvement <= 1e-12 * Math.Max(1.0, Math.Abs(value))) return iteration;
        }
        return maxIterations;
    }

    private static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static void Axpy(double a, double[] x, double[] y)
    {
        for (var i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
}
