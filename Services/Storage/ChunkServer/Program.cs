using Microsoft.AspNetCore.Server.Kestrel.Core;
using Platform.ChunkServer;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// gRPC over cleartext HTTP/2 (h2c): a cleartext endpoint that offers HTTP/1.1 as well speaks only HTTP/1.1.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));

var dataDirectory = builder.Configuration["ChunkServer:DataDirectory"]
                    ?? throw new InvalidOperationException("ChunkServer:DataDirectory is not set; the AppHost gives each chunk server its own.");
var files = new ChunkFiles(dataDirectory);
var quota = new ChunkQuota(builder.Configuration.GetValue("ChunkServer:QuotaBytes", 8L << 30));
foreach (var (_, fileBytes) in files.Scan())
{
    quota.Stored(fileBytes);
}

builder.Services.AddSingleton(files);
builder.Services.AddSingleton(quota);
builder.Services.AddGrpc(grpc => grpc.MaxReceiveMessageSize = 128 * 1024); // writers send 64 KiB messages; nothing bigger is taken in

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapGrpcService<ChunkStoreService>();
app.Run();
