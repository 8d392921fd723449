using Npgsql;

namespace Platform.Postgres;

/// <summary>The one way the platform builds a command with positional ($1, $2, ...) parameters.</summary>
public static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        AddParameters(command.Parameters, parameters);
        return command;
    }

    /// <summary>A command for an <see cref="NpgsqlBatch"/> (several statements in one round trip).</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        AddParameters(command.Parameters, parameters);
        return command;
    }

    private static void AddParameters(NpgsqlParameterCollection collection, object[] parameters)
    {
        foreach (var parameter in parameters)
        {
            // A null that slipped past the types (a message body without a field) is SQL NULL, for the table's constraints to judge.
            collection.Add(new NpgsqlParameter { Value = (object?)parameter ?? DBNull.Value });
        }
    }
}
