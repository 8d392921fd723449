using Npgsql;
using Platform.Commerce.Contracts;
using Platform.Postgres;

namespace Platform.Orders;

/// <summary>Sales in a date range, for the reports service (internal: the gateway does not route /internal).</summary>
internal static class SalesEndpoints
{
    public static void MapSalesEndpoints(this WebApplication app)
        => app.MapGet("/internal/orders/summary", async (DateOnly startDate, DateOnly endDate, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var select = Sql.Command(connection, null,
                """
                SELECT count(*), count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'failed'),
                       count(*) FILTER (WHERE status = 'pending'), coalesce(sum(total) FILTER (WHERE status = 'confirmed'), 0)
                FROM orders WHERE created_at >= $1 AND created_at < $2
                """,
                new DateTimeOffset(startDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero), new DateTimeOffset(endDate.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new SalesSummary(startDate, endDate, reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4), "USD");
        });
}
