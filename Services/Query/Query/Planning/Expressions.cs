using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>Walking and rebuilding expression trees.</summary>
public static class Expressions
{
    public static IEnumerable<Expr> Children(Expr e) => e switch
    {
        Unary u => [u.Operand],
        Binary b => [b.Left, b.Right],
        Call c => c.Args,
        Case c => [.. Maybe(c.Operand), .. c.Whens.SelectMany(w => new[] { w.When, w.Then }), .. Maybe(c.Else)],
        Cast c => [c.Operand],
        InList i => [i.Operand, .. i.Items],
        Between b => [b.Operand, b.Low, b.High],
        Like l => [l.Operand, l.Pattern],
        IsNull n => [n.Operand],
        Extract x => [x.Operand],
        _ => [],
    };

    /// <summary>The expression and every expression below it, parents first.</summary>
    public static IEnumerable<Expr> Descendants(Expr e) => [e, .. Children(e).SelectMany(Descendants)];

    /// <summary>Rebuilds <paramref name="e"/> bottom-up where <paramref name="replace"/> answers non-null (its answer is not walked again).</summary>
    public static Expr Rewrite(Expr e, Func<Expr, Expr?> replace)
    {
        if (replace(e) is { } replaced)
        {
            return replaced;
        }

        Expr R(Expr child) => Rewrite(child, replace);
        return e switch
        {
            Unary u => u with { Operand = R(u.Operand) },
            Binary b => b with { Left = R(b.Left), Right = R(b.Right) },
            Call c => c with { Args = [.. c.Args.Select(R)] },
            Case c => c with { Operand = c.Operand is null ? null : R(c.Operand), Whens = [.. c.Whens.Select(w => (R(w.When), R(w.Then)))], Else = c.Else is null ? null : R(c.Else) },
            Cast c => c with { Operand = R(c.Operand) },
            InList i => i with { Operand = R(i.Operand), Items = [.. i.Items.Select(R)] },
            Between b => b with { Operand = R(b.Operand), Low = R(b.Low), High = R(b.High) },
            Like l => l with { Operand = R(l.Operand), Pattern = R(l.Pattern) },
            IsNull n => n with { Operand = R(n.Operand) },
            Extract x => x with { Operand = R(x.Operand) },
            _ => e,
        };
    }

    /// <summary>The AND-ed parts of a condition.</summary>
    public static IEnumerable<Expr> Conjuncts(Expr? condition) => condition switch
    {
        null => [],
        Binary { Op: "AND" } and => [.. Conjuncts(and.Left), .. Conjuncts(and.Right)],
        _ => [condition],
    };

    public static Expr? And(IEnumerable<Expr> conjuncts)
        => conjuncts.Aggregate((Expr?)null, (all, next) => all is null ? next : new Binary(next.At, "AND", all, next));

    /// <summary>Two expressions mean the same (positions aside): compared as printed.</summary>
    public static bool Same(Expr a, Expr b) => SqlPrinter.Print(a) == SqlPrinter.Print(b);

    private static IEnumerable<Expr> Maybe(Expr? e) => e is null ? [] : [e];
}
