using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.Sagas;

public static class SagaExtensions
{
    /// <summary>Saga options from the <c>Sagas</c> configuration section (step timeout; test-only fault injection), and the <see cref="SagaStarter"/>.</summary>
    public static IHostApplicationBuilder AddSagas(this IHostApplicationBuilder builder)
    {
        var options = new SagaOptions();
        builder.Configuration.GetSection("Sagas").Bind(options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SagaStarter>();
        return builder;
    }

    /// <summary>This service orchestrates sagas of this kind.</summary>
    public static IServiceCollection AddSaga<TSaga>(this IServiceCollection services)
        where TSaga : SagaDefinition
    {
        services.AddSingleton<TSaga>();
        services.AddSingleton<SagaDefinition>(sp => sp.GetRequiredService<TSaga>());
        return services;
    }

    /// <summary>This service carries out this step of some saga.</summary>
    public static IServiceCollection AddSagaStep<THandler>(this IServiceCollection services)
        where THandler : class, ISagaStepHandler
        => services.AddSingleton<ISagaStepHandler, THandler>();

    /// <summary>The orchestrator's consumer (for a service that registered sagas with <see cref="AddSaga{TSaga}"/>).</summary>
    public static void AddSagaOrchestrator(this IBusRegistrationConfigurator bus) => bus.AddConsumer<SagaOrchestrator>();

    /// <summary>The step consumer (for a service that registered step handlers with <see cref="AddSagaStep{THandler}"/>).</summary>
    public static void AddSagaSteps(this IBusRegistrationConfigurator bus) => bus.AddConsumer<SagaStepConsumer>();
}
