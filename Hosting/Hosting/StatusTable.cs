using System.Text;
using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

/// <summary>The one-screen summary printed when the graph is up: each instance, its state, where it listens, its log file.</summary>
internal static class StatusTable
{
    public static string Render(DistributedApplication app)
    {
        var rows = app.Instances.Select(i => (
            i.Name,
            State: i.State.ToString().ToLowerInvariant(),
            Url: i.Resource.AnnotationsOf<EndpointAnnotation>().FirstOrDefault() is { } e && e.AllocatedPorts.Count > i.Replica ? e.UrlFor(i.Replica) : "",
            Log: i.Logs.FilePath)).ToList();
        var nameWidth = rows.Max(r => r.Name.Length) + 2;
        var stateWidth = rows.Max(r => r.State.Length) + 2;
        var urlWidth = rows.Max(r => r.Url.Length) + 2;
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.Append("  ").Append(row.Name.PadRight(nameWidth)).Append(row.State.PadRight(stateWidth)).Append(row.Url.PadRight(urlWidth)).AppendLine(row.Log);
        }

        return text.ToString().TrimEnd();
    }
}
