using Takase.Engine.Grammars.Gbnf;

namespace Takase.Engine.Grammars.Compilation;

/// <summary>
/// Turns parsed GBNF rules into a <see cref="GrammarProgram"/>: numbers the rules, expands groups and repetitions
/// into helper rules (as llama.cpp does: <c>x*</c> → <c>r ::= x r |</c>, <c>x{2,4}</c> → <c>x x (x (x)?)?</c>),
/// drops alternatives that can never finish, and refuses undefined rules, left recursion and runaway sizes.
/// </summary>
internal sealed class GrammarCompiler
{
    /// <summary>The most elements a grammar may expand to; repetition counts multiply, so this is reachable.</summary>
    public const int MaxElements = 2_000_000;

    private const int Unfinishable = int.MaxValue;

    private readonly string _source;
    private readonly List<RawRule> _rules = [];
    private readonly Dictionary<string, int> _ruleIds = new(StringComparer.Ordinal);
    private readonly Dictionary<CodePointSet, int> _setIds = [];
    private readonly List<CodePointSet> _sets = [];
    private readonly Dictionary<string, int> _helperCounts = new(StringComparer.Ordinal);
    private int _elementCount;

    private GrammarCompiler(string source) => _source = source;

    private sealed class RawRule(string name, int offset, string owner)
    {
        public string Name { get; } = name;
        public int Offset { get; } = offset;   // where it is defined in the source; -1 for helper rules
        public string Owner { get; } = owner;  // the named rule a helper rule was made for (itself for named rules)
        public List<List<GrammarElement>> Alternatives { get; } = [];
    }

    /// <summary>Compiles <paramref name="rules"/> parsed from <paramref name="source"/>, matching from <paramref name="root"/>.</summary>
    /// <exception cref="GrammarException">A rule is defined twice, undefined, left-recursive, can never finish, or the
    /// grammar is too large.</exception>
    public static GrammarProgram Compile(string source, IReadOnlyList<GbnfRule> rules, string root)
    {
        var compiler = new GrammarCompiler(source);
        return compiler.Run(rules, root);
    }

    private GrammarProgram Run(IReadOnlyList<GbnfRule> rules, string root)
    {
        foreach (var rule in rules)
        {
            if (_ruleIds.TryGetValue(rule.Name, out var existing))
            {
                var (line, column) = GbnfParser.Position(_source, rule.Offset);
                var (firstLine, _) = GbnfParser.Position(_source, _rules[existing].Offset);
                throw new GrammarException($"rule '{rule.Name}' is defined twice (first on line {firstLine})", line, column);
            }
            _ruleIds[rule.Name] = _rules.Count;
            _rules.Add(new RawRule(rule.Name, rule.Offset, rule.Name));
        }
        if (!_ruleIds.TryGetValue(root, out var rootId))
            throw new GrammarException($"the grammar has no rule named '{root}', where matching starts; define '{root} ::= ...'");

        foreach (var rule in rules)
            AddAlternatives(_ruleIds[rule.Name], rule.Body, rule.Name);

        var minBytes = MinimumBytesPerRule();
        if (minBytes[rootId] == Unfinishable)
            throw new GrammarException($"rule '{root}' can never finish: every way through it needs a rule that recurses forever or an empty character class");
        DropUnfinishable(minBytes);
        RefuseLeftRecursion(minBytes);
        return Flatten(rootId, minBytes);
    }

    private void AddAlternatives(int ruleId, GbnfAlternatives body, string owner)
    {
        foreach (var option in body.Options)
        {
            var sequence = new List<GrammarElement>(option.Items.Count + 1);
            foreach (var item in option.Items) Emit(item, sequence, owner);
            Count(sequence.Count + 1);
            _rules[ruleId].Alternatives.Add(sequence);
        }
    }

    private void Emit(GbnfItem item, List<GrammarElement> sequence, string owner)
    {
        switch (item)
        {
            case GbnfCharClass chars:
                sequence.Add(new GrammarElement(ElementKind.Chars, SetId(chars.Set)));
                break;
            case GbnfLiteral literal:
                foreach (var codePoint in literal.CodePoints)
                    sequence.Add(new GrammarElement(ElementKind.Chars, SetId(CodePointSet.Single(codePoint))));
                break;
            case GbnfRuleRef reference:
                if (!_ruleIds.TryGetValue(reference.Name, out var id))
                {
                    var (line, column) = GbnfParser.Position(_source, reference.Offset);
                    throw new GrammarException($"rule '{owner}' refers to '{reference.Name}', which is not defined", line, column);
                }
                sequence.Add(new GrammarElement(ElementKind.Rule, id));
                break;
            case GbnfGroup group when group.Body.Options.Count == 1:
                foreach (var inner in group.Body.Options[0].Items) Emit(inner, sequence, owner);
                break;
            case GbnfGroup group:
                var helper = NewHelper(owner);
                AddAlternatives(helper, group.Body, owner);
                sequence.Add(new GrammarElement(ElementKind.Rule, helper));
                break;
            case GbnfRepeat repeat:
                EmitRepeat(repeat, sequence, owner);
                break;
        }
    }

    private void EmitRepeat(GbnfRepeat repeat, List<GrammarElement> sequence, string owner)
    {
        var unit = new List<GrammarElement>();
        Emit(repeat.Item, unit, owner);
        if (unit.Count > 1)
        {
            // Copy one reference, not the whole run, for every repetition.
            var wrapper = NewHelper(owner);
            _rules[wrapper].Alternatives.Add(unit);
            Count(unit.Count + 1);
            unit = [new GrammarElement(ElementKind.Rule, wrapper)];
        }
        Count((long)repeat.Min * unit.Count);
        for (var i = 0; i < repeat.Min; i++) sequence.AddRange(unit);

        if (repeat.Max is null)
        {
            // star ::= unit star |   (the reference is last, so matching never deepens the stack)
            var star = NewHelper(owner);
            _rules[star].Alternatives.Add([.. unit, new GrammarElement(ElementKind.Rule, star)]);
            _rules[star].Alternatives.Add([]);
            Count(unit.Count + 3);
            sequence.Add(new GrammarElement(ElementKind.Rule, star));
            return;
        }

        // x{0,n} as n nested optionals: optional_k ::= unit optional_(k-1) |
        var previous = -1;
        for (var k = repeat.Min; k < repeat.Max; k++)
        {
            var optional = NewHelper(owner);
            var first = new List<GrammarElement>(unit);
            if (previous >= 0) first.Add(new GrammarElement(ElementKind.Rule, previous));
            _rules[optional].Alternatives.Add(first);
            _rules[optional].Alternatives.Add([]);
            Count(first.Count + 2);
            previous = optional;
        }
        if (previous >= 0) sequence.Add(new GrammarElement(ElementKind.Rule, previous));
    }

    private int NewHelper(string owner)
    {
        var n = _helperCounts.GetValueOrDefault(owner) + 1;
        _helperCounts[owner] = n;
        _rules.Add(new RawRule($"{owner}-{n}", -1, owner));
        return _rules.Count - 1;
    }

    private int SetId(CodePointSet set)
    {
        // Surrogate code points never come out of valid UTF-8, so they can never match.
        if (set.Overlaps(0xD800, 0xDFFF)) set = set.Except(CodePointSet.FromRanges([(0xD800, 0xDFFF)]));
        if (_setIds.TryGetValue(set, out var id)) return id;
        _setIds[set] = _sets.Count;
        _sets.Add(set);
        return _sets.Count - 1;
    }

    private void Count(long elements)
    {
        _elementCount = (int)Math.Min(int.MaxValue, _elementCount + elements);
        if (_elementCount > MaxElements)
            throw new GrammarException($"the grammar expands to more than {MaxElements:N0} elements (repetition counts multiply, and each copy is expanded); use smaller counts, or '*' and '+'");
    }

    private int ElementMinBytes(GrammarElement element, int[] ruleMin) => element.Kind switch
    {
        ElementKind.Chars => _sets[element.Value].IsEmpty ? Unfinishable : Utf8Length(_sets[element.Value].Min),
        _ => ruleMin[element.Value],
    };

    private int SequenceMinBytes(List<GrammarElement> sequence, int[] ruleMin)
    {
        long total = 0;
        foreach (var element in sequence)
        {
            var bytes = ElementMinBytes(element, ruleMin);
            if (bytes == Unfinishable) return Unfinishable;
            total += bytes;
        }
        return (int)Math.Min(total, Unfinishable - 1);
    }

    /// <summary>The fewest bytes each rule can match (<see cref="Unfinishable"/> when it can never finish), by
    /// re-evaluating a rule whenever one it uses gets shorter.</summary>
    private int[] MinimumBytesPerRule()
    {
        var ruleMin = new int[_rules.Count];
        Array.Fill(ruleMin, Unfinishable);
        var users = new List<int>[_rules.Count];
        for (var r = 0; r < _rules.Count; r++)
            foreach (var alternative in _rules[r].Alternatives)
                foreach (var element in alternative)
                    if (element.Kind == ElementKind.Rule) (users[element.Value] ??= []).Add(r);

        var queue = new Queue<int>(Enumerable.Range(0, _rules.Count));
        var queued = new bool[_rules.Count];
        Array.Fill(queued, true);
        while (queue.Count > 0)
        {
            var r = queue.Dequeue();
            queued[r] = false;
            var best = Unfinishable;
            foreach (var alternative in _rules[r].Alternatives) best = Math.Min(best, SequenceMinBytes(alternative, ruleMin));
            if (best >= ruleMin[r]) continue;
            ruleMin[r] = best;
            if (users[r] is null) continue;
            foreach (var user in users[r])
            {
                if (queued[user]) continue;
                queued[user] = true;
                queue.Enqueue(user);
            }
        }
        return ruleMin;
    }

    private void DropUnfinishable(int[] ruleMin)
    {
        foreach (var rule in _rules)
            rule.Alternatives.RemoveAll(alternative => SequenceMinBytes(alternative, ruleMin) == Unfinishable);
    }

    /// <summary>
    /// Refuses a rule that can reach itself without matching a character (directly, or through rules that can match
    /// nothing): expanding it would never stop.
    /// </summary>
    private void RefuseLeftRecursion(int[] ruleMin)
    {
        // Edges: rule → rules that can start it.
        var starts = new List<int>[_rules.Count];
        for (var r = 0; r < _rules.Count; r++)
        {
            var set = new List<int>();
            foreach (var alternative in _rules[r].Alternatives)
                foreach (var element in alternative)
                {
                    if (element.Kind != ElementKind.Rule) break;
                    set.Add(element.Value);
                    if (ruleMin[element.Value] > 0) break;
                }
            starts[r] = set;
        }

        var state = new byte[_rules.Count];   // 0 unvisited, 1 on the current path, 2 done
        var path = new List<int>();
        var cursor = new Stack<(int Rule, int Next)>();
        for (var start = 0; start < _rules.Count; start++)
        {
            if (state[start] != 0) continue;
            cursor.Push((start, 0));
            state[start] = 1;
            path.Add(start);
            while (cursor.Count > 0)
            {
                var (rule, next) = cursor.Pop();
                if (next == starts[rule].Count)
                {
                    state[rule] = 2;
                    path.RemoveAt(path.Count - 1);
                    continue;
                }
                cursor.Push((rule, next + 1));
                var target = starts[rule][next];
                if (state[target] == 1) throw LeftRecursion(path, target);
                if (state[target] == 2) continue;
                state[target] = 1;
                path.Add(target);
                cursor.Push((target, 0));
            }
        }
    }

    private GrammarException LeftRecursion(List<int> path, int target)
    {
        var members = path.Skip(path.IndexOf(target)).ToList();
        var cycle = string.Join(" → ", members.Append(target).Select(r => _rules[r].Name));
        string message;
        int offset;
        if (members.FirstOrDefault(r => _rules[r].Offset >= 0, -1) is var named and >= 0)
        {
            message = $"rule '{_rules[named].Name}' is left-recursive ({cycle} without matching a character), so matching would never stop; rewrite it with repetition, e.g. 'list ::= item (\",\" item)*' instead of 'list ::= list \",\" item | item'";
            offset = _rules[named].Offset;
        }
        else
        {
            // Only helper rules: a repetition whose body can match nothing, such as (x*)* or (x?)+.
            var owner = _rules[target].Owner;
            message = $"rule '{owner}' repeats something that can match the empty text (like (x*)* or (x?)+), so matching would never stop; make the repeated part match at least one character";
            offset = _ruleIds.TryGetValue(owner, out var ownerId) ? _rules[ownerId].Offset : -1;
        }
        if (offset < 0) return new GrammarException(message);
        var (line, column) = GbnfParser.Position(_source, offset);
        return new GrammarException(message, line, column);
    }

    private GrammarProgram Flatten(int rootId, int[] ruleMin)
    {
        var elements = new List<GrammarElement>(_elementCount);
        var minBytes = new List<int>(_elementCount);
        var alternatives = new int[_rules.Count][];
        for (var r = 0; r < _rules.Count; r++)
        {
            var starts = new int[_rules[r].Alternatives.Count];
            for (var a = 0; a < starts.Length; a++)
            {
                var sequence = _rules[r].Alternatives[a];
                starts[a] = elements.Count;
                elements.AddRange(sequence);
                elements.Add(new GrammarElement(ElementKind.End, 0));
                var suffix = new int[sequence.Count + 1];
                for (var i = sequence.Count - 1; i >= 0; i--) suffix[i] = suffix[i + 1] + ElementMinBytes(sequence[i], ruleMin);
                minBytes.AddRange(suffix);
            }
            alternatives[r] = starts;
        }
        return new GrammarProgram(elements.ToArray(), alternatives, _rules.Select(r => r.Name).ToArray(), _sets.ToArray(),
            rootId, minBytes.ToArray());
    }

    /// <summary>Bytes UTF-8 uses for <paramref name="codePoint"/>.</summary>
    public static int Utf8Length(int codePoint) => codePoint switch
    {
        < 0x80 => 1,
        < 0x800 => 2,
        < 0x10000 => 3,
        _ => 4,
    };
}
