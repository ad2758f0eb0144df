namespace Takase.Engine.Templates;

/// <summary>
/// Which failure a <see cref="TemplateException"/> reports. Each kind stands for the Python/jinja2 exception
/// Hugging Face's renderer would raise in the same situation, so callers can tell template bugs
/// (<see cref="Syntax"/>, <see cref="Unsupported"/>) from conversations the template refuses (<see cref="Raised"/>).
/// </summary>
public enum TemplateErrorKind
{
    /// <summary>The template text is not valid Jinja (jinja2's TemplateSyntaxError).</summary>
    Syntax,
    /// <summary>A filter or test that jinja2 does not know, used where jinja2 checks at compile time (TemplateAssertionError).</summary>
    Assertion,
    /// <summary>A valid Jinja construct this engine does not implement (no jinja2 equivalent).</summary>
    Unsupported,
    /// <summary>The template called <c>raise_exception(message)</c> (jinja2's TemplateError).</summary>
    Raised,
    /// <summary>An undefined value was used in a way that needs a value (jinja2's UndefinedError).</summary>
    Undefined,
    /// <summary>A runtime rule of the template language was broken (jinja2's TemplateRuntimeError).</summary>
    Runtime,
    /// <summary>A filter was given arguments it cannot use (jinja2's FilterArgumentError).</summary>
    FilterArgument,
    /// <summary>The template tried to modify a value, which HF's immutable sandbox forbids (SecurityError).</summary>
    Security,
    /// <summary>An operation on values of the wrong type (Python's TypeError).</summary>
    Type,
    /// <summary>A value of the right type but wrong content (Python's ValueError).</summary>
    Value,
    /// <summary>Division or modulo by zero (Python's ZeroDivisionError).</summary>
    ZeroDivision,
    /// <summary>An index out of range where Python raises (IndexError).</summary>
    Index,
    /// <summary>A missing dictionary key where Python raises (KeyError).</summary>
    Key,
    /// <summary>A number too large for the engine (Python's OverflowError).</summary>
    Overflow,
    /// <summary>A value lacks an attribute Python code needed (AttributeError), e.g. dictsort of a list.</summary>
    Attribute,
}

/// <summary>
/// A chat template failed to parse or render. <see cref="Reason"/> is the message jinja2 itself would give, so a
/// rendering failure can be compared with what Hugging Face's apply_chat_template reports; <see cref="Line"/>
/// says where in the template it happened.
/// </summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates an exception; <paramref name="line"/> is 1-based, 0 when unknown.</summary>
    public TemplateException(TemplateErrorKind kind, string reason, int line = 0, Exception? inner = null)
        : base(Compose(kind, reason, line), inner)
    {
        Kind = kind;
        Reason = reason;
        Line = line;
    }

    /// <summary>What went wrong, as a category matching a Python exception type.</summary>
    public TemplateErrorKind Kind { get; }

    /// <summary>The bare message, without location: for <see cref="TemplateErrorKind.Raised"/> exactly the template's text.</summary>
    public string Reason { get; }

    /// <summary>1-based template line where the failure happened, or 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>The name of the Python exception jinja2 raises for this kind (e.g. "TypeError").</summary>
    public string PythonErrorType => Kind switch
    {
        TemplateErrorKind.Syntax => "TemplateSyntaxError",
        TemplateErrorKind.Assertion => "TemplateAssertionError",
        TemplateErrorKind.Unsupported => "Unsupported",
        TemplateErrorKind.Raised => "TemplateError",
        TemplateErrorKind.Undefined => "UndefinedError",
        TemplateErrorKind.Runtime => "TemplateRuntimeError",
        TemplateErrorKind.FilterArgument => "FilterArgumentError",
        TemplateErrorKind.Security => "SecurityError",
        TemplateErrorKind.Type => "TypeError",
        TemplateErrorKind.Value => "ValueError",
        TemplateErrorKind.ZeroDivision => "ZeroDivisionError",
        TemplateErrorKind.Index => "IndexError",
        TemplateErrorKind.Key => "KeyError",
        TemplateErrorKind.Overflow => "OverflowError",
        TemplateErrorKind.Attribute => "AttributeError",
        _ => Kind.ToString(),
    };

    /// <summary>The same failure with a line number attached (used when the error surfaces inside a statement).</summary>
    internal TemplateException WithLine(int line) =>
        Line != 0 || line == 0 ? this : new TemplateException(Kind, Reason, line, InnerException);

    private static string Compose(TemplateErrorKind kind, string reason, int line)
    {
        // raise_exception text is shown to users verbatim; everything else says where it happened.
        if (kind == TemplateErrorKind.Raised || line == 0) return reason;
        return $"{reason} (template line {line})";
    }
}
