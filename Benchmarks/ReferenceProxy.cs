using System.Diagnostics;
using Platform.Hosting.Infrastructure;
using Platform.Hosting.Processes;

namespace Platform.Benchmarks;

/// <summary>
/// nginx (Debian's) as a reverse proxy in front of one upstream, with keep-alive to it: the reference the gateway's
/// figures are read against. Started for the benchmark and stopped by its PID; null when nginx is not installed.
/// </summary>
internal sealed class ReferenceProxy : IDisposable
{
    private static readonly string[] Locations = ["/usr/sbin/nginx", "/usr/bin/nginx"];

    private readonly Process _process;
    private readonly string _folder;

    private ReferenceProxy(Process process, string folder, Uri url)
    {
        _process = process;
        _folder = folder;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<ReferenceProxy?> StartAsync(Uri upstream)
    {
        var nginx = Locations.FirstOrDefault(File.Exists);
        if (nginx is null)
        {
            return null;
        }

        var folder = Directory.CreateTempSubdirectory("platform-nginx-").FullName;
        var port = LocalPorts.Free();
        File.WriteAllText(Path.Combine(folder, "nginx.conf"), $$"""
            worker_processes auto;
            daemon off;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                upstream service { server {{upstream.Host}}:{{upstream.Port}}; keepalive 64; }
                server {
                    listen 127.0.0.1:{{port}};
                    location / { proxy_pass http://service; proxy_http_version 1.1; proxy_set_header Connection ""; }
                }
            }
            """);
        var process = Process.Start(new ProcessStartInfo(nginx, ["-p", folder, "-c", Path.Combine(folder, "nginx.conf")]) { UseShellExecute = false })
                      ?? throw new InvalidOperationException("nginx did not start.");
        var url = new Uri($"http://127.0.0.1:{port}");
        var deadline = Stopwatch.StartNew();
        while (!await LocalPorts.AcceptsAsync(port))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException($"nginx did not listen on {port}: {File.ReadAllText(Path.Combine(folder, "error.log"))}");
            }

            await Task.Delay(50); // polling for the listener, with a deadline
        }

        return new ReferenceProxy(process, folder, url);
    }

    public void Dispose()
    {
        ProcessTree.Kill(_process.Id); // the master and its workers
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
