using System.Runtime.InteropServices;
using System.Text;

namespace Platform.KafkaBroker;

/// <summary>
/// librdkafka's mock cluster (librdkafka.redist): a real Kafka wire-protocol server on loopback,
/// kept in memory. Its fault switches are what chaos tests turn.
/// </summary>
internal sealed partial class MockCluster : IDisposable
{
    private const string Library = "librdkafka";

    // The redist's self-contained build: its default linux build wants libsasl2.so.3, which Debian 12 lacks.
    static MockCluster() => NativeLibrary.SetDllImportResolver(typeof(MockCluster).Assembly, (name, _, _) =>
        name == Library ? NativeLibrary.Load(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "centos8-librdkafka.so")) : IntPtr.Zero);
    private readonly IntPtr _client;
    private readonly IntPtr _cluster;

    public MockCluster(int brokers)
    {
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        // The cluster is owned by a client handle; a producer handle that never produces is the lightest.
        Check(rd_kafka_conf_set(conf, "log_level", "3", error, error.Length), error);
        _client = rd_kafka_new(0, conf, error, error.Length);
        if (_client == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + Text(error));
        }

        _cluster = rd_kafka_mock_cluster_new(_client, brokers);
        if (_cluster == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }
    }

    public string Bootstrap => Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster)) ?? "";

    public int CreateTopic(string name, int partitions) => rd_kafka_mock_topic_create(_cluster, name, partitions, 1);

    public int SetBrokerDown(int broker) => rd_kafka_mock_broker_set_down(_cluster, broker);

    public int SetBrokerUp(int broker) => rd_kafka_mock_broker_set_up(_cluster, broker);

    public int SetRoundTripTime(int broker, int milliseconds) => rd_kafka_mock_broker_set_rtt(_cluster, broker, milliseconds);

    public int SetPartitionLeader(string topic, int partition, int broker) => rd_kafka_mock_partition_set_leader(_cluster, topic, partition, broker);

    /// <summary>The next <paramref name="count"/> requests of <paramref name="apiKey"/> (0 = Produce, 1 = Fetch, ...) fail with <paramref name="error"/>.</summary>
    public int PushRequestErrors(short apiKey, int count, int error)
    {
        rd_kafka_mock_push_request_errors_array(_cluster, apiKey, (nuint)count, Enumerable.Repeat(error, count).ToArray());
        return 0;
    }

    public int ClearRequestErrors(short apiKey)
    {
        rd_kafka_mock_clear_request_errors(_cluster, apiKey);
        return 0;
    }

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_client);
    }

    private static void Check(int result, byte[] error)
    {
        if (result != 0)
        {
            throw new InvalidOperationException(Text(error));
        }
    }

    private static string Text(byte[] error) => Encoding.UTF8.GetString(error).TrimEnd('\0');

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] error, nint errorSize);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] error, nint errorSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(IntPtr client);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr client, int brokers);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int broker);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int broker);

    [LibraryImport(Library)]
    private static partial int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int broker, int milliseconds);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_partition_set_leader(IntPtr cluster, string topic, int partition, int broker);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, nuint count, int[] errors);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_clear_request_errors(IntPtr cluster, short apiKey);
}
