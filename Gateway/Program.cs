using Platform.Gateway;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Clients;
using Platform.ServiceDefaults.Health;
using Platform.ServiceDefaults.Problems;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPlatformRedis("cache"); // the revocation list, checked at the edge

var (routes, clusters) = GatewayRoutes.Build(builder.Configuration, builder.Configuration.GetValue("Gateway:ActiveHealthInterval", TimeSpan.FromSeconds(2)), builder.Configuration.GetValue("Gateway:RouteBudget", TimeSpan.FromSeconds(5)));
builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, UpstreamClients>();
builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters).AddServiceDiscoveryDestinationResolver();
builder.Services.AddGatewayRateLimiting(builder.Configuration);
builder.Services.AddHealthChecks().AddCheck<UpstreamsHealthCheck>("upstreams");
builder.Services.AddHttpClient(UpstreamsHealthCheck.ClientName, http => http.Timeout = TimeSpan.FromSeconds(2))
    .ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Clear()); // a probe reports what it sees: no retries, no breaker, one replica at a time

var app = builder.Build();
app.Use(async (context, next) =>
{
    // Refuse oversized bodies before proxying, so the answer is a clean 413 whatever the upstream does.
    var maxBody = GatewayRoutes.MaxBodyBytes(context.Request.Path);
    if (context.Request.ContentLength > maxBody)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = 413, Type = ProblemTypes.PayloadTooLarge, Title = "Payload too large",
                Detail = $"Request bodies are limited to {maxBody} bytes.",
            },
        });
        return;
    }

    if (maxBody != ServiceDefaultsExtensions.MaxRequestBodyBytes && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
    {
        limit.MaxRequestBodySize = maxBody; // a chunked body is cut off at the same limit
    }

    await next();
});
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapDefaultEndpoints();
app.MapReverseProxy(proxy =>
{
    proxy.Use(UpstreamProblems.WriteAsync);
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});
app.Run();
