using Apache.Arrow;
using Platform.Query.Contracts;

namespace Platform.QueryNode;

/// <summary>An Arrow IPC stream a request carries in base64, decoded whole; anything malformed is the caller's <see cref="InvalidDataException"/>.</summary>
internal sealed class ArrowPayload : IDisposable
{
    private ArrowPayload(IReadOnlyList<ColumnSchema> columns, List<RecordBatch> batches)
    {
        Columns = columns;
        Batches = batches;
    }

    public IReadOnlyList<ColumnSchema> Columns { get; }

    public IReadOnlyList<RecordBatch> Batches { get; }

    public long Rows => Batches.Sum(b => (long)b.Length);

    public static async Task<ArrowPayload> DecodeAsync(string? base64, string what, CancellationToken ct)
    {
        try
        {
            await using var stream = new MemoryStream(Convert.FromBase64String(base64 ?? ""), writable: false);
            var (schema, batches) = await ArrowRows.ReadAllAsync(stream, ct);
            try
            {
                return new ArrowPayload(ArrowRows.Columns(schema), batches);
            }
            catch
            {
                batches.ForEach(b => b.Dispose());
                throw;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The Arrow reader fails on a malformed stream with whatever exception it meets first; to the caller all are one.
            throw new InvalidDataException($"{what} is not a base64 Arrow IPC stream of the supported column types: {e.Message}", e);
        }
    }

    public void Dispose()
    {
        foreach (var batch in Batches)
        {
            batch.Dispose();
        }
    }
}
