using System.Globalization;

using Aspire.Hosting;

namespace Platform.Hosting.Infrastructure;

/// <summary>Looks up an OS account's uid and gid in /etc/passwd.</summary>
internal static class OsUsers
{
    public static (uint Uid, uint Gid) Lookup(string user)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == user)
            {
                return (uint.Parse(fields[2], CultureInfo.InvariantCulture), uint.Parse(fields[3], CultureInfo.InvariantCulture));
            }
        }

        throw new DistributedApplicationException($"There is no OS user '{user}' on this machine.");
    }
}
