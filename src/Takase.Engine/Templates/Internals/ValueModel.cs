using System.Collections;

namespace Takase.Engine.Templates.Internals;

/// <summary>Brings caller values into the template value model (int → long, float → double, ...) without copying what already fits.</summary>
internal static class ValueModel
{
    public static IReadOnlyDictionary<string, object?> Normalize(IReadOnlyDictionary<string, object?> globals) =>
        (IReadOnlyDictionary<string, object?>)NormalizeValue(globals)!;

    private static object? NormalizeValue(object? v)
    {
        switch (v)
        {
            case null or string or bool or long or double or Markup or Namespace or Undefined or IPyCallable:
                return v;
            case int i:
                return (long)i;
            case short or byte or sbyte or ushort or uint:
                return Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);
            case ulong ul:
                return ul <= long.MaxValue ? (object)(long)ul : (double)ul;
            case float f:
                return (double)f;
            case decimal m:
                return (double)m;
            case char c:
                return c.ToString();
            case IReadOnlyDictionary<string, object?> dict:
                {
                    PyDict? copy = null;
                    var index = 0;
                    foreach (var (k, value) in dict)
                    {
                        var n = NormalizeValue(value);
                        if (copy is null && !ReferenceEquals(n, value))
                        {
                            copy = new PyDict(dict.Count);
                            foreach (var (k2, v2) in dict.Take(index)) copy[k2] = v2;
                        }
                        if (copy is not null) copy[k] = n;
                        index++;
                    }
                    return copy ?? (object)dict;
                }
            case IReadOnlyList<object?> list:
                {
                    List<object?>? copy = null;
                    for (var i = 0; i < list.Count; i++)
                    {
                        var n = NormalizeValue(list[i]);
                        if (copy is null && !ReferenceEquals(n, list[i])) copy = list.Take(i).ToList();
                        copy?.Add(n);
                    }
                    return copy is null ? list : list is PyTuple ? new PyTuple([.. copy]) : copy;
                }
            case IDictionary dict:
                {
                    var copy = new PyDict();
                    foreach (DictionaryEntry e in dict) copy[Convert.ToString(e.Key, System.Globalization.CultureInfo.InvariantCulture)!] = NormalizeValue(e.Value);
                    return copy;
                }
            case IEnumerable seq:
                return seq.Cast<object?>().Select(NormalizeValue).ToList();
            default:
                throw new ArgumentException(
                    $"Template variable of type {v.GetType().Name} is not in the template value model " +
                    "(string, bool, long, double, null, lists and string-keyed dictionaries); convert it, e.g. with ChatTemplate.FromJson.");
        }
    }
}
