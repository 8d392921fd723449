using Microsoft.Extensions.DependencyInjection;
using Platform.EventStore.Projections;

namespace Platform.EventStore;

public static class EventStoreServiceCollectionExtensions
{
    /// <summary>The event store over the service's NpgsqlDataSource, with its event types; projections are added with the methods below.</summary>
    public static IServiceCollection AddEventStore(this IServiceCollection services, Action<EventTypeRegistry> registerEvents, Action<EventStoreOptions>? configure = null)
    {
        var registry = new EventTypeRegistry();
        registerEvents(registry);
        var options = new EventStoreOptions();
        configure?.Invoke(options);
        services.AddSingleton(registry);
        services.AddSingleton(options);
        services.AddSingleton<EventStore>();
        services.AddSingleton<ProjectionDaemon>();
        services.AddHostedService(sp => sp.GetRequiredService<ProjectionDaemon>());
        return services;
    }

    public static IServiceCollection AddInlineProjection<T>(this IServiceCollection services)
        where T : class, IInlineProjection
        => services.AddSingleton<IInlineProjection, T>();

    public static IServiceCollection AddAsyncProjection<T>(this IServiceCollection services)
        where T : class, IAsyncProjection
        => services.AddSingleton<IAsyncProjection, T>();
}
