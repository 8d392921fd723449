namespace Platform.Postgres;

/// <summary>
/// The database roles of the platform besides each service's own login. A login owns its service's database and
/// schema, is no superuser, and is itself subject to row-level security on tenant tables (they FORCE it): without a
/// tenant setting it reads none of their rows. Work runs under one of two roles it is a member of:
/// </summary>
public static class PostgresRoles
{
    /// <summary>Request paths: entered per transaction by <see cref="TenantTransaction"/>; row-level security shows one tenant's rows.</summary>
    public const string Tenant = "platform_tenant";

    /// <summary>
    /// Cross-tenant background work only (Marten's projection daemon and schema, inbox consumers that write tenant
    /// tables): BYPASSRLS, and pg_read_all_stats so the daemon can see other sessions' transaction ids (its evidence
    /// that a sequence gap can no longer fill). In each service database it may change the rows of the service's tables
    /// and create objects in its schema (Marten's own), nothing else (<see cref="WorkerGrantsSql"/>). No login; a
    /// service enters it at connection start through its worker data source (<c>Options=-c role=platform_worker</c>).
    /// </summary>
    public const string Worker = "platform_worker";

    /// <summary>
    /// Creates both roles when missing (idempotent; roles belong to the whole server and services migrate at the same
    /// time, so the loser of a race finds them made). Creating them takes a superuser: the local host runs this when it
    /// creates the databases; on a container server, where services still connect as its superuser, their first
    /// migration does.
    /// </summary>
    public const string CreateSql = $"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Tenant}') THEN CREATE ROLE {Tenant} NOLOGIN; END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{Worker}') THEN
            CREATE ROLE {Worker} NOLOGIN BYPASSRLS;
            GRANT pg_read_all_stats TO {Worker};
          END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$;
        """;

    /// <summary>
    /// A service's first migration, run by its login: what the worker role may do in this database (rows of every table
    /// the login creates from now on, and Marten's objects in the schema).
    /// </summary>
    public const string WorkerGrantsSql = $"""
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {Worker};
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {Worker};
        GRANT CREATE ON SCHEMA public TO {Worker};
        """;
}
