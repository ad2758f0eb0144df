using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Configuration;

namespace Takase.Routing.Configuration;

/// <summary>
/// Binds configuration sections to the router's records by their public settable properties, the way appsettings.json
/// and environment variables write values (numbers in invariant culture, enums by name, durations as "00:00:30" or
/// "30s", lists as indexed children or comma-separated). Unlike a binder that stops at the first bad value, it records
/// every problem with its configuration key and binds what it can, so validation can report everything at once.
/// </summary>
internal sealed class SectionBinder(List<string> problems)
{
    /// <summary>Binds <paramref name="section"/> to a new <typeparamref name="T"/>, recording problems.</summary>
    public T Bind<T>(IConfigurationSection section) where T : class, new() =>
        (T)BindObject(typeof(T), section, nameFromKey: null)!;

    private object? BindObject(Type type, IConfigurationSection section, string? nameFromKey)
    {
        if (type.GetConstructor(Type.EmptyTypes) is null)
        {
            problems.Add($"{section.Path} cannot be bound: {type.Name} has no parameterless constructor.");
            return null;
        }
        var instance = Activator.CreateInstance(type)!;
        var properties = Settable(type);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        if (section.Value is { Length: > 0 } && !section.GetChildren().Any())
            problems.Add($"{section.Path} is '{section.Value}', but it is a section with settings ({string.Join(", ", properties.Select(p => p.Name))}).");

        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => string.Equals(p.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                problems.Add($"{child.Path} is not a setting of {type.Name} (known: {string.Join(", ", properties.Select(p => p.Name))}).");
                continue;
            }
            seen.Add(property.Name);
            if (nameFromKey is not null && property.Name == "Name")
            {
                if (child.Value is { Length: > 0 } given && !string.Equals(given, nameFromKey, StringComparison.OrdinalIgnoreCase))
                    problems.Add($"{child.Path} is '{given}', but the name is the key '{nameFromKey}'; remove Name or rename the section.");
                continue;
            }
            if (!HasContent(child)) continue; // "" or an empty array/object: keep the default
            if (DictionaryValueTypeOf(property.PropertyType) is { } entryType)
            {
                BindDictionary(instance, property, entryType, child);
                continue;
            }
            var value = BindValue(property.PropertyType, child);
            if (value is not null) property.SetValue(instance, value);
        }

        foreach (var property in properties)
        {
            if (nameFromKey is not null && property.Name == "Name")
                property.SetValue(instance, nameFromKey);
            else if (!seen.Contains(property.Name) && property.IsDefined(typeof(RequiredMemberAttribute)))
                problems.Add($"{section.Path}:{property.Name} is missing; {type.Name} requires it.");
        }
        return instance;
    }

    /// <summary>
    /// Entries keyed by name (targets, profiles): each child is one entry, and an entry's Name is its key. Entries go
    /// into the dictionary the object already holds, keeping its (case-insensitive) comparer.
    /// </summary>
    private void BindDictionary(object instance, PropertyInfo property, Type entryType, IConfigurationSection section)
    {
        var dictionary = (System.Collections.IDictionary?)property.GetValue(instance);
        if (dictionary is null)
        {
            dictionary = (System.Collections.IDictionary)Activator.CreateInstance(
                typeof(Dictionary<,>).MakeGenericType(typeof(string), entryType), StringComparer.OrdinalIgnoreCase)!;
            property.SetValue(instance, dictionary);
        }
        var named = entryType.GetProperty("Name")?.PropertyType == typeof(string);
        foreach (var entry in section.GetChildren())
        {
            var value = named ? BindObject(entryType, entry, nameFromKey: entry.Key) : BindValue(entryType, entry);
            if (value is not null) dictionary[entry.Key] = value;
        }
    }

    private static Type? DictionaryValueTypeOf(Type t) =>
        t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>) && t.GetGenericArguments()[0] == typeof(string)
            ? t.GetGenericArguments()[1]
            : null;

    private object? BindValue(Type type, IConfigurationSection section)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementTypeOf(underlying) is { } element) return BindList(underlying, element, section);
        if (IsScalar(underlying))
        {
            if (section.GetChildren().Any() && !(underlying.IsEnum && underlying.IsDefined(typeof(FlagsAttribute))))
            {
                problems.Add($"{section.Path} must be a single value, not a section.");
                return null;
            }
            return underlying.IsEnum && section.GetChildren().Any()
                ? BindFlagsList(underlying, section)
                : ConvertScalar(underlying, section.Value!, section.Path);
        }
        return BindObject(underlying, section, nameFromKey: null);
    }

    private object? BindList(Type listType, Type element, IConfigurationSection section)
    {
        var items = new List<object>();
        var children = section.GetChildren().ToList();
        if (children.Count == 0 && section.Value is { } joined && IsScalar(element))
        {
            // "en, ja" in one value: the natural way to write a list in an environment variable.
            foreach (var part in joined.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (ConvertScalar(element, part, section.Path) is { } item) items.Add(item);
        }
        else
        {
            var ordered = new List<(int Index, IConfigurationSection Child)>();
            foreach (var child in children)
            {
                if (int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) ordered.Add((index, child));
                else problems.Add($"{child.Path}: '{child.Key}' is not a list index; {section.Path} is a list (0, 1, 2 …).");
            }
            foreach (var (_, child) in ordered.OrderBy(c => c.Index))
                if (HasContent(child) && BindValue(element, child) is { } item) items.Add(item);
        }

        var array = Array.CreateInstance(element, items.Count);
        for (var i = 0; i < items.Count; i++) array.SetValue(items[i], i);
        if (listType.IsArray || listType.IsInterface) return array;
        return Activator.CreateInstance(listType, array); // List<T>(IEnumerable<T>)
    }

    private object? BindFlagsList(Type enumType, IConfigurationSection section)
    {
        ulong bits = 0;
        foreach (var child in section.GetChildren())
            if (child.Value is { } name && ConvertScalar(enumType, name, child.Path) is { } flag)
                bits |= Convert.ToUInt64(flag, CultureInfo.InvariantCulture);
        return Enum.ToObject(enumType, bits);
    }

    private object? ConvertScalar(Type type, string text, string path)
    {
        text = text.Trim();
        var ok = true;
        object? value = null;
        string expected;
        if (type == typeof(string)) return text;
        if (type == typeof(bool)) { ok = bool.TryParse(text, out var b); value = b; expected = "true or false"; }
        else if (type == typeof(int)) { ok = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i); value = i; expected = "a whole number"; }
        else if (type == typeof(long)) { ok = long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l); value = l; expected = "a whole number"; }
        else if (type == typeof(double))
        {
            ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
            value = d;
            expected = "a number (with a '.' for decimals)";
        }
        else if (type == typeof(TimeSpan)) { ok = TryParseDuration(text, out var t); value = t; expected = "a duration: hh:mm:ss (\"00:00:30\") or a number with a unit (\"30s\", \"500ms\", \"2m\")"; }
        else if (type == typeof(Uri)) { ok = Uri.TryCreate(text, UriKind.Absolute, out var u); value = u; expected = "an absolute URL (https://host/v1)"; }
        else if (type.IsEnum) return ConvertEnum(type, text, path);
        else
        {
            problems.Add($"{path} has a type the router cannot read from configuration ({type.Name}).");
            return null;
        }
        if (ok) return value;
        problems.Add($"{path} is '{text}', which is not {expected}.");
        return null;
    }

    private object? ConvertEnum(Type type, string text, string path)
    {
        ulong bits = 0;
        var parts = type.IsDefined(typeof(FlagsAttribute)) ? text.Split([',', '|'], StringSplitOptions.TrimEntries) : [text];
        foreach (var part in parts)
        {
            // "LocalOnly", "local-only" and "local_only" are the same name.
            var name = Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, part, StringComparison.OrdinalIgnoreCase))
                ?? Enum.GetNames(type).FirstOrDefault(n => string.Equals(n, part.Replace("-", "").Replace("_", ""), StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                problems.Add($"{path} is '{text}', which is not one of {string.Join(", ", Enum.GetNames(type))}.");
                return null;
            }
            bits |= Convert.ToUInt64(Enum.Parse(type, name), CultureInfo.InvariantCulture);
        }
        return Enum.ToObject(type, bits);
    }

    /// <summary>
    /// Durations as TimeSpan writes them ("00:00:30", "1.00:00:00") or with a unit ("500ms", "30s", "2m", "1h").
    /// A bare number is refused: TimeSpan would read "30" as thirty days, which nobody means.
    /// </summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Contains(':')) return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration);
        var unitStart = text.AsSpan().IndexOfAnyExcept("0123456789.-+");
        if (unitStart <= 0) return false;
        if (!double.TryParse(text.AsSpan(0, unitStart), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)) return false;
        double? ms = text[unitStart..].Trim().ToLowerInvariant() switch
        {
            "ms" => amount,
            "s" => amount * 1000,
            "m" or "min" => amount * 60_000,
            "h" => amount * 3_600_000,
            _ => null,
        };
        if (ms is not { } m || !double.IsFinite(m) || Math.Abs(m) > TimeSpan.MaxValue.TotalMilliseconds) return false;
        duration = TimeSpan.FromMilliseconds(m);
        return true;
    }

    private static bool HasContent(IConfigurationSection section) =>
        !string.IsNullOrWhiteSpace(section.Value) || section.GetChildren().Any();

    private static bool IsScalar(Type t) =>
        t == typeof(string) || t.IsPrimitive || t.IsEnum || t == typeof(TimeSpan) || t == typeof(Uri);

    private static Type? ElementTypeOf(Type t)
    {
        if (t == typeof(string)) return null;
        if (t.IsArray) return t.GetElementType();
        if (!t.IsGenericType) return null;
        var definition = t.GetGenericTypeDefinition();
        return definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>) || definition == typeof(List<>)
               || definition == typeof(IEnumerable<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(ICollection<>)
            ? t.GetGenericArguments()[0]
            : null;
    }

    private static PropertyInfo[] Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToArray();
}
