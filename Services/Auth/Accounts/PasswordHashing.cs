using Microsoft.AspNetCore.Identity;

namespace Platform.Auth.Accounts;

/// <summary>
/// Password hashing (PBKDF2, about 50 ms of CPU each here) with at most one hash per core at a time: a burst of
/// registrations or logins queues for the CPU instead of starving every other request of the service (health checks,
/// database calls with their timeouts) until they fail together.
/// </summary>
internal sealed class PasswordHashing : IDisposable
{
    private static readonly PasswordHasher<Account> Hasher = new();
    private readonly SemaphoreSlim _cores = new(Environment.ProcessorCount);

    // Verified when the email is unknown, so a miss costs as much time as a wrong password.
    private readonly string _decoy = Hasher.HashPassword(null!, "decoy-password-for-timing");

    public Task<string> HashAsync(string password, CancellationToken cancellationToken)
        => RunAsync(() => Hasher.HashPassword(null!, password), cancellationToken);

    /// <summary>True when <paramref name="password"/> is the account's. An unknown account (null) costs the same time, and the caller refuses it.</summary>
    public Task<bool> VerifyAsync(Account? account, string password, CancellationToken cancellationToken)
        => RunAsync(() => Hasher.VerifyHashedPassword(account!, account?.PasswordHash ?? _decoy, password) != PasswordVerificationResult.Failed, cancellationToken);

    public void Dispose() => _cores.Dispose();

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _cores.WaitAsync(cancellationToken);
        try
        {
            return work();
        }
        finally
        {
            _cores.Release();
        }
    }
}
