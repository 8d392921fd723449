using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace Platform.Messaging.Kafka;

/// <summary>
/// Binds Confluent.Kafka's <c>librdkafka</c> imports to the system's <c>librdkafka.so.1</c> (Debian's librdkafka1),
/// because the redist package that normally ships the native library is not available.
/// </summary>
public static class KafkaNative
{
    private static int _bound;

    public static void Bind()
    {
        if (Interlocked.Exchange(ref _bound, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(ProducerBuilder<,>).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
        => name.StartsWith("librdkafka", StringComparison.Ordinal) && NativeLibrary.TryLoad("librdkafka.so.1", assembly, searchPath, out var handle)
            ? handle
            : IntPtr.Zero;
}
