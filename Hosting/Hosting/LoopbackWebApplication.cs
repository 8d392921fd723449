using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Platform.Hosting.Orchestration;

namespace Platform.Hosting;

/// <summary>
/// The small HTTP servers the host runs next to the graph (dashboard, fault control) and that tests and benchmarks
/// stand up: a slim, quiet web application listening on 127.0.0.1 only.
/// </summary>
public static class LoopbackWebApplication
{
    /// <param name="port">0 for a free port.</param>
    public static WebApplication Create(int port, long maxRequestBodyBytes = 30_000_000)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{(port == 0 ? PortAllocator.Next() : port)}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = maxRequestBodyBytes);
        return builder.Build();
    }

    /// <summary>The address it listens on (known before it starts).</summary>
    public static string Url(this WebApplication app) => app.Configuration[WebHostDefaults.ServerUrlsKey]!;
}
