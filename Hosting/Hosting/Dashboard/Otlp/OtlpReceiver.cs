using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Hosting.Dashboard.Otlp.Proto;

namespace Platform.Hosting.Dashboard.Otlp;

/// <summary>
/// OTLP over HTTP with protobuf bodies (the .NET exporter's <c>HttpProtobuf</c>): <c>POST /v1/traces</c>,
/// <c>/v1/logs</c>, <c>/v1/metrics</c>. gRPC is not offered (its packages are missing here). Bodies are limited to
/// 8 MiB; a body that is not a valid export request is a 400.
/// </summary>
public static class OtlpReceiver
{
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public static IEndpointRouteBuilder MapOtlpReceiver(this IEndpointRouteBuilder app, TelemetryStore store)
    {
        app.MapPost("/v1/traces", (HttpRequest request) => ReceiveAsync(request, ExportTraceServiceRequest.Parser, store.Add));
        app.MapPost("/v1/logs", (HttpRequest request) => ReceiveAsync(request, ExportLogsServiceRequest.Parser, store.Add));
        app.MapPost("/v1/metrics", (HttpRequest request) => ReceiveAsync(request, ExportMetricsServiceRequest.Parser, store.Add));
        return app;
    }

    private static async Task<IResult> ReceiveAsync<T>(HttpRequest request, MessageParser<T> parser, Action<T> add)
        where T : IMessage<T>
    {
        if (request.ContentType?.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.Problem(statusCode: 415, title: "Unsupported media type", detail: "OTLP/HTTP with application/x-protobuf bodies only.");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            return Results.Problem(statusCode: 413, title: "Payload too large", detail: $"At most {MaxBodyBytes} bytes per export.");
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        try
        {
            add(parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length)));
        }
        catch (InvalidProtocolBufferException e)
        {
            return Results.Problem(statusCode: 400, title: "Not an OTLP export request", detail: e.Message);
        }

        return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse: everything accepted
    }
}
