using Microsoft.AspNetCore.Http;

namespace Platform.Sagas;

/// <summary>
/// Test-only fault injection for a saga started by a request: <c>X-Test-Saga-Faults: profile=fail; workspace=hang</c>
/// gives steps a fault to act out (see <see cref="SagaStepConsumer"/>). Ignored unless
/// <see cref="SagaOptions.AllowFaultInjection"/> is on, which only the test host's graph does.
/// </summary>
public static class SagaFaults
{
    public const string HeaderName = "X-Test-Saga-Faults";

    public static IReadOnlyDictionary<string, string>? From(HttpRequest request, SagaOptions options)
    {
        if (!options.AllowFaultInjection || request.Headers[HeaderName].ToString() is not { Length: > 0 and <= 500 } header)
        {
            return null;
        }

        return header.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1]);
    }
}
