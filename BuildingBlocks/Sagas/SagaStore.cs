using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Platform.Postgres;

namespace Platform.Sagas;

/// <summary>Another message for the same saga committed first; the consumer retries on the new state.</summary>
public sealed class SagaConcurrencyException(Guid sagaId, int expectedVersion)
    : Exception($"Saga {sagaId} is no longer at version {expectedVersion}.");

/// <summary>Saga state in Postgres. Every update names the version it was decided on: of two concurrent transitions, one wins.</summary>
public static class SagaStore
{
    public static async Task InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SagaState state, CancellationToken cancellationToken)
    {
        await using var insert = Sql.Command(connection, transaction,
            "INSERT INTO sagas (id, saga, status, step, attempt, data, faults, error, version) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, 1)",
            state.Id, state.Saga, state.Status, state.Step, state.Attempt, Json(state.Data), Json(state.Faults), (object?)state.Error ?? DBNull.Value);
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public static async Task<SagaState?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, CancellationToken cancellationToken)
    {
        await using var select = Sql.Command(connection, transaction, "SELECT saga, status, step, attempt, data, faults, error, version FROM sagas WHERE id = $1", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new SagaState(id, reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
            JsonNode.Parse(reader.GetString(4))!.AsObject(),
            reader.IsDBNull(5) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)),
            reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt32(7));
    }

    public static async Task<SagaState?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        return await FindAsync(connection, null, id, cancellationToken);
    }

    /// <summary>Writes <paramref name="next"/> if the saga is still at <paramref name="expectedVersion"/>; otherwise throws <see cref="SagaConcurrencyException"/>.</summary>
    public static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SagaState next, int expectedVersion, CancellationToken cancellationToken)
    {
        await using var update = Sql.Command(connection, transaction,
            """
            UPDATE sagas SET status = $3, step = $4, attempt = $5, data = $6::jsonb, error = $7, version = version + 1, updated_at = now(),
              ended_at = CASE WHEN $3 IN ('completed', 'failed') THEN now() END
            WHERE id = $1 AND version = $2
            """,
            next.Id, expectedVersion, next.Status, next.Step, next.Attempt, Json(next.Data), (object?)next.Error ?? DBNull.Value);
        if (await update.ExecuteNonQueryAsync(cancellationToken) != 1)
        {
            throw new SagaConcurrencyException(next.Id, expectedVersion);
        }
    }

    private static object Json(object? value) => value is null ? DBNull.Value : JsonSerializer.Serialize(value);
}
