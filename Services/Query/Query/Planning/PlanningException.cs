using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>
/// A query that parses but cannot run (an unknown table or column, a misplaced aggregate): the client's error, a 400
/// naming where, with PostgreSQL's SQLSTATE for the PostgreSQL endpoint (42P01 undefined table, 42702 ambiguous
/// column, 42803 grouping error, 42601 syntax, 42703 by default: undefined column).
/// </summary>
public sealed class PlanningException(string message, Position at, string sqlState = PlanningException.UndefinedColumn) : Exception(message)
{
    public const string UndefinedColumn = "42703";
    public const string UndefinedTable = "42P01";
    public const string AmbiguousColumn = "42702";
    public const string Grouping = "42803";
    public const string Syntax = "42601";

    public Position At { get; } = at;

    public string SqlState { get; } = sqlState;
}
