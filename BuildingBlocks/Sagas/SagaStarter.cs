using System.Text.Json.Nodes;
using Npgsql;
using Platform.Messaging.Bus;
using Platform.Messaging.Outbox;

namespace Platform.Sagas;

/// <summary>Starts sagas this service orchestrates (registered by <see cref="SagaExtensions.AddSagas"/>).</summary>
public sealed class SagaStarter(BusSettings bus, SagaOptions options, TimeProvider clock)
{
    /// <summary>Starts a saga in the caller's transaction: it exists, and its first step is sent, exactly when that transaction commits.</summary>
    public async Task StartAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SagaDefinition saga, Guid id, JsonObject data,
        IReadOnlyDictionary<string, string>? faults, CancellationToken cancellationToken)
    {
        var start = SagaMachine.Start(saga, id, data, faults);
        await SagaStore.InsertAsync(connection, transaction, start.Next, cancellationToken);
        await Outbox.WriteAsync(connection, transaction, SagaOrchestrator.Messages(saga, start, bus, options, clock), cancellationToken);
    }
}
