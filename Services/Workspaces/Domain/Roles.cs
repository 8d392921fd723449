namespace Platform.Workspaces.Domain;

/// <summary>Member roles, each allowing what the one below it does: viewer reads, editor edits tables and records, owner manages the workspace.</summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Editor = "editor";
    public const string Viewer = "viewer";

    public static bool IsValid(string? role) => role is Owner or Editor or Viewer;

    public static bool Allows(string role, string required) => Rank(role) >= Rank(required);

    private static int Rank(string role) => role switch
    {
        Owner => 3,
        Editor => 2,
        Viewer => 1,
        _ => 0,
    };
}
