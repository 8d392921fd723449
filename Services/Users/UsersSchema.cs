using Platform.Postgres;

namespace Platform.Users;

/// <summary>usersdb migrations, applied in order at startup (append only).</summary>
internal static class UsersSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        TenantTransaction.CreateRoleSql + """
        CREATE TABLE profiles (
          user_id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL,
          email text NOT NULL,
          display_name text NOT NULL,
          created_at timestamptz NOT NULL);
        """ + TenantTransaction.IsolateTableSql("profiles"),
    ];
}
