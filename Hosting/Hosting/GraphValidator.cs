using Platform.Hosting.ApplicationModel;

namespace Platform.Hosting;

/// <summary>Rejects graphs that could never start: dangling references, duplicate names, cycles.</summary>
internal static class GraphValidator
{
    public static void Validate(IReadOnlyList<IResource> resources)
    {
        var duplicate = resources.GroupBy(r => r.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DistributedApplicationException($"A resource named '{duplicate.Key}' already exists in the graph.");
        }

        var known = resources.ToHashSet();
        foreach (var resource in resources)
        {
            foreach (var dependency in DependenciesOf(resource).Concat(resource.AnnotationsOf<ReferenceAnnotation>().Select(r => r.Target)))
            {
                if (!known.Contains(dependency))
                {
                    throw new DistributedApplicationException(
                        $"Resource '{resource.Name}' depends on '{dependency.Name}', which is not part of this graph.");
                }
            }
        }

        var state = new Dictionary<IResource, bool>(); // false: on the current path, true: done
        var path = new Stack<IResource>();
        foreach (var resource in resources)
        {
            Visit(resource, state, path);
        }
    }

    /// <summary>
    /// What must be up before a resource can launch: its parent, what it waits for, and the resources whose
    /// connection strings it reads. References to projects only need their endpoints, which are allocated
    /// up front, so two services may reference each other.
    /// </summary>
    public static IEnumerable<IResource> DependenciesOf(IResource resource)
    {
        if (resource is IResourceWithParent child)
        {
            yield return child.Parent;
        }

        foreach (var wait in resource.AnnotationsOf<WaitAnnotation>())
        {
            yield return wait.Target;
        }

        foreach (var reference in resource.AnnotationsOf<ReferenceAnnotation>())
        {
            if (reference.Target is IResourceWithConnectionString)
            {
                yield return reference.Target;
            }
        }
    }

    private static void Visit(IResource resource, Dictionary<IResource, bool> state, Stack<IResource> path)
    {
        if (state.TryGetValue(resource, out var done))
        {
            if (!done)
            {
                var cycle = path.Reverse().SkipWhile(r => r != resource).Select(r => r.Name).Append(resource.Name);
                throw new DistributedApplicationException($"The graph has a cycle: {string.Join(" -> ", cycle)}.");
            }

            return;
        }

        state[resource] = false;
        path.Push(resource);
        foreach (var dependency in DependenciesOf(resource).Distinct())
        {
            Visit(dependency, state, path);
        }

        path.Pop();
        state[resource] = true;
    }
}
