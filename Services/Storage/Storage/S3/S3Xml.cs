using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Platform.Storage.S3;

/// <summary>S3's XML: its namespace and date form for answers, its error document, and request bodies read safely.</summary>
internal static class S3Xml
{
    public static readonly XNamespace Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    public static XElement E(string name, params object?[] content) => new(Ns + name, content);

    /// <summary>An element only when it has a value (S3 leaves empty optional elements out).</summary>
    public static XElement? Optional(string name, string? value) => string.IsNullOrEmpty(value) ? null : E(name, value);

    public static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Quoted(string etag) => $"\"{etag}\"";

    public static Task WriteAsync(HttpContext context, XElement document, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        return context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + document.ToString(SaveOptions.DisableFormatting), context.RequestAborted);
    }

    /// <summary>S3's error: status and code, a body for every method but HEAD.</summary>
    public static Task ErrorAsync(HttpContext context, S3Exception error, string resource, string requestId)
    {
        context.Response.StatusCode = error.Status;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        var document = new XElement("Error", new XElement("Code", error.Code), new XElement("Message", error.Message),
            new XElement("Resource", resource), new XElement("RequestId", requestId));
        context.Response.ContentType = "application/xml";
        return context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + document.ToString(SaveOptions.DisableFormatting));
    }

    /// <summary>A request body's XML (no DTDs), elements matched by local name whatever their namespace.</summary>
    public static XElement Parse(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XElement.Load(reader);
        }
        catch (XmlException e)
        {
            throw new S3Exception(400, "MalformedXML", $"The XML you provided was not well formed: {e.Message}");
        }
    }

    public static IEnumerable<XElement> Children(XElement parent, string localName) => parent.Elements().Where(e => e.Name.LocalName == localName);

    public static string? Child(XElement parent, string localName) => Children(parent, localName).FirstOrDefault()?.Value;

    /// <summary>A key as a listing shows it: as is, or URL-encoded when the client asked (<c>encoding-type=url</c>), '/' kept.</summary>
    public static string Key(string key, bool urlEncoded) =>
        urlEncoded ? string.Join('/', key.Split('/').Select(SigV4.Encode)) : key;
}
