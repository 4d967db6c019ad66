using System.Globalization;
using System.Text;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Evaluates the part of Airtable's formula language the bot's client sends: field references, string and
/// number literals (with backslash escapes), = != &lt; &gt; &lt;= &gt;=, &amp;, and AND, OR, NOT, IF, FIND, RECORD_ID, BLANK,
/// TRUE, FALSE, LOWER, IS_BEFORE, IS_AFTER (dates as ISO 8601 text, as date fields and literals hold them; a blank or
/// unreadable date is neither before nor after anything, so it never selects a record). Anything else is a syntax error, answered as Airtable does with INVALID_FILTER_BY_FORMULA,
/// so a query that an unescaped value bent out of shape fails or widens here just as it would there.
/// </summary>
public sealed class FakeAirtableFormula
{
    private readonly Node _root;

    private FakeAirtableFormula(Node root) => _root = root;

    public static FakeAirtableFormula Parse(string text)
    {
        var parser = new Parser(Tokenize(text));
        var root = parser.Expression();
        if (!parser.AtEnd) throw new FormatException($"Unexpected '{parser.Peek.Text}' in formula.");
        return new FakeAirtableFormula(root);
    }

    /// <summary>Whether a record is kept: the result is not 0, false, "", NaN or blank.</summary>
    public bool Keeps(Func<string, object?> field, string recordId) => Truthy(Evaluate(field, recordId));

    /// <summary>The formula's value for a record (a formula field's): text, a number, true/false, or null.</summary>
    public object? Evaluate(Func<string, object?> field, string recordId) => _root.Eval(new Scope(field, recordId));

    private sealed record Scope(Func<string, object?> Field, string RecordId);

    // ---- values ----

    internal static bool Truthy(object? v) => v switch
    {
        null => false,
        bool b => b,
        double d => d != 0 && !double.IsNaN(d),
        string s => s.Length > 0,
        _ => true,
    };

    private static bool IsBlank(object? v) => v is null || (v is string s && s.Length == 0);

    private static double? AsNumber(object? v) => v switch
    {
        double d => d,
        bool b => b ? 1 : 0,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static string AsText(object? v) => v switch
    {
        null => "",
        bool b => b ? "1" : "0",
        double d => d.ToString(CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "",
    };

    private static object Compare(string op, object? a, object? b)
    {
        int order;
        if (op is "=" or "!=")
        {
            bool equal;
            if (IsBlank(a) || IsBlank(b))
            {
                // An unchecked checkbox or an empty number is absent, and still equals FALSE() or 0.
                var other = IsBlank(a) ? b : a;
                equal = IsBlank(other) || other is false || other is 0d;
            }
            else if (a is string sa && b is string sb) equal = string.Equals(sa, sb, StringComparison.Ordinal);
            else if (AsNumber(a) is { } na && AsNumber(b) is { } nb) equal = na == nb;
            else equal = AsText(a) == AsText(b);
            return op == "=" ? equal : !equal;
        }
        if (AsNumber(a) is { } x && AsNumber(b) is { } y && a is not string && b is not string) order = x.CompareTo(y);
        else order = string.CompareOrdinal(AsText(a), AsText(b));
        return op switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, _ => order >= 0 };
    }

    // ---- syntax tree ----

    private abstract record Node
    {
        public abstract object? Eval(Scope s);
    }

    private sealed record Literal(object? Value) : Node
    {
        public override object? Eval(Scope s) => Value;
    }

    private sealed record FieldRef(string Name) : Node
    {
        public override object? Eval(Scope s) => s.Field(Name);
    }

    private sealed record Binary(string Op, Node Left, Node Right) : Node
    {
        public override object? Eval(Scope s) => Op == "&"
            ? AsText(Left.Eval(s)) + AsText(Right.Eval(s))
            : Compare(Op, Left.Eval(s), Right.Eval(s));
    }

    private sealed record Call(string Name, IReadOnlyList<Node> Args) : Node
    {
        public override object? Eval(Scope s) => Name switch
        {
            "AND" => Args.All(a => Truthy(a.Eval(s))),
            "OR" => Args.Any(a => Truthy(a.Eval(s))),
            "NOT" => !Truthy(Args[0].Eval(s)),
            "IF" => Truthy(Args[0].Eval(s)) ? Args[1].Eval(s) : Args.Count > 2 ? Args[2].Eval(s) : null,
            // Airtable's FIND is 1-based and answers 0 when the needle is absent.
            "FIND" => (double)(AsText(Args[1].Eval(s)).IndexOf(AsText(Args[0].Eval(s)), StringComparison.Ordinal) + 1),
            "RECORD_ID" => s.RecordId,
            "BLANK" => null,
            "TRUE" => true,
            "FALSE" => false,
            "LOWER" => AsText(Args[0].Eval(s)).ToLowerInvariant(),
            "IS_BEFORE" => CompareDates(Args[0].Eval(s), Args[1].Eval(s)) < 0,
            "IS_AFTER" => CompareDates(Args[0].Eval(s), Args[1].Eval(s)) > 0,
            _ => throw new FormatException($"Unknown function {Name}."),
        };
    }

    private static readonly Dictionary<string, (int Min, int Max)> Arity = new()
    {
        ["AND"] = (1, int.MaxValue),
        ["OR"] = (1, int.MaxValue),
        ["NOT"] = (1, 1),
        ["IF"] = (2, 3),
        ["FIND"] = (2, 2),
        ["RECORD_ID"] = (0, 0),
        ["BLANK"] = (0, 0),
        ["TRUE"] = (0, 0),
        ["FALSE"] = (0, 0),
        ["LOWER"] = (1, 1),
        ["IS_BEFORE"] = (2, 2),
        ["IS_AFTER"] = (2, 2),
    };

    /// <summary>Null when either side is not a date.</summary>
    private static int? CompareDates(object? a, object? b) =>
        a is string sa && b is string sb
        && DateTimeOffset.TryParse(sa, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var da)
        && DateTimeOffset.TryParse(sb, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var db)
            ? da.CompareTo(db)
            : null;

    // ---- parsing ----

    private enum Kind { Field, String, Number, Name, Op, Open, Close, Comma, End }

    private readonly record struct Token(Kind Kind, string Text);

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            switch (c)
            {
                case '{':
                    var close = text.IndexOf('}', i + 1);
                    if (close < 0) throw new FormatException("Unclosed field reference.");
                    tokens.Add(new(Kind.Field, text[(i + 1)..close]));
                    i = close + 1;
                    continue;
                case '\'' or '"':
                    var sb = new StringBuilder();
                    var j = i + 1;
                    for (; ; j++)
                    {
                        if (j >= text.Length) throw new FormatException("Unclosed string literal.");
                        if (text[j] == '\\' && j + 1 < text.Length)
                        {
                            j++;
                            sb.Append(text[j] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var other => other });
                            continue;
                        }
                        if (text[j] == c) break;
                        sb.Append(text[j]);
                    }
                    tokens.Add(new(Kind.String, sb.ToString()));
                    i = j + 1;
                    continue;
                case '(': tokens.Add(new(Kind.Open, "(")); i++; continue;
                case ')': tokens.Add(new(Kind.Close, ")")); i++; continue;
                case ',': tokens.Add(new(Kind.Comma, ",")); i++; continue;
                case '&': tokens.Add(new(Kind.Op, "&")); i++; continue;
                case '=': tokens.Add(new(Kind.Op, "=")); i++; continue;
                case '!' when i + 1 < text.Length && text[i + 1] == '=': tokens.Add(new(Kind.Op, "!=")); i += 2; continue;
                case '<' or '>':
                    var two = i + 1 < text.Length && text[i + 1] == '=';
                    tokens.Add(new(Kind.Op, two ? c + "=" : c.ToString()));
                    i += two ? 2 : 1;
                    continue;
            }
            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
                tokens.Add(new(Kind.Number, text[start..i]));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new(Kind.Name, text[start..i].ToUpperInvariant()));
                continue;
            }
            throw new FormatException($"Unexpected character '{c}'.");
        }
        tokens.Add(new(Kind.End, "end of formula"));
        return tokens;
    }

    private sealed class Parser(List<Token> tokens)
    {
        private int _at;

        public Token Peek => tokens[_at];

        public bool AtEnd => Peek.Kind == Kind.End;

        private Token Take(Kind kind)
        {
            if (Peek.Kind != kind) throw new FormatException($"Expected {kind}, found '{Peek.Text}'.");
            return tokens[_at++];
        }

        public Node Expression()
        {
            var left = Concat();
            while (Peek.Kind == Kind.Op && Peek.Text != "&")
            {
                var op = tokens[_at++].Text;
                left = new Binary(op, left, Concat());
            }
            return left;
        }

        private Node Concat()
        {
            var left = Primary();
            while (Peek.Kind == Kind.Op && Peek.Text == "&")
            {
                _at++;
                left = new Binary("&", left, Primary());
            }
            return left;
        }

        private Node Primary()
        {
            var t = Peek;
            switch (t.Kind)
            {
                case Kind.Field: _at++; return new FieldRef(t.Text);
                case Kind.String: _at++; return new Literal(t.Text);
                case Kind.Number: _at++; return new Literal(double.Parse(t.Text, CultureInfo.InvariantCulture));
                case Kind.Open:
                    _at++;
                    var inner = Expression();
                    Take(Kind.Close);
                    return inner;
                case Kind.Name:
                    _at++;
                    if (!Arity.TryGetValue(t.Text, out var arity)) throw new FormatException($"Unknown function {t.Text}.");
                    Take(Kind.Open);
                    var args = new List<Node>();
                    if (Peek.Kind != Kind.Close)
                    {
                        args.Add(Expression());
                        while (Peek.Kind == Kind.Comma)
                        {
                            _at++;
                            args.Add(Expression());
                        }
                    }
                    Take(Kind.Close);
                    if (args.Count < arity.Min || args.Count > arity.Max) throw new FormatException($"{t.Text} takes {arity.Min}..{arity.Max} arguments.");
                    return new Call(t.Text, args);
                default:
                    throw new FormatException($"Unexpected '{t.Text}'.");
            }
        }
    }
}
