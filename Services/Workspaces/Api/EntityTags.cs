using System.Globalization;

namespace Platform.Workspaces.Api;

/// <summary>ETag = the workspace stream version; If-Match on a write is the version the client expects.</summary>
internal static class EntityTags
{
    public static string Format(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>(true, null) without If-Match or with "*"; (false, _) when the header is not one of our tags (answered 412).</summary>
    public static (bool Valid, long? Version) ParseIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return (true, null);
        }

        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        return tag.Length > 2 && tag[0] == '"' && tag[^1] == '"' && long.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? (true, version)
            : (false, null);
    }
}
