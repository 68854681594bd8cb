using Distri.Packages;
using Distri.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace Distri.Tasks.Definition;

/// <summary>
/// Finds dependency cycles among package definitions before MSBuild meets them (where they would
/// surface as a confusing circular-reference error), naming the cycle: <c>a → b → a</c>, from the
/// literal <c>Dependency</c> and <c>RuntimeDependency</c> items (<see cref="PackageDefinition"/>).
/// </summary>
public sealed class CheckDependencyCycles : Microsoft.Build.Utilities.Task
{
    [Required] public ITaskItem[] Definitions { get; set; } = [];
    [Required] public string PackagesDirectory { get; set; } = "";

    public override bool Execute()
    {
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 visiting, 2 done
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var stack = new List<string>();

        List<string> DependenciesOf(string name, string? path = null)
        {
            if (edges.TryGetValue(name, out var known)) return known;
            path ??= Path.Combine(PackagesDirectory, name, name + PackageDefinition.Extension);
            var list = new List<string>();
            try
            {
                if (File.Exists(path)) list.AddRange(PackageDefinition.Read(path).Dependencies);
            }
            catch (InvalidDataException)
            {
                // That package's own build reports its malformed definition.
            }
            edges[name] = list;
            return list;
        }

        void Visit(string name, string definition)
        {
            state[name] = 1;
            stack.Add(name);
            foreach (var next in DependenciesOf(name))
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var cycle = stack.Skip(stack.IndexOf(next)).Append(next).ToList();
                    var key = string.Join(' ', cycle.Skip(1).Order(StringComparer.Ordinal));
                    if (reported.Add(key))
                        Log.LogError(Messages.DependencyCycle, definition, "Dependency", null, string.Join(" -> ", cycle));
                }
                else if (state.GetValueOrDefault(next) == 0)
                {
                    Visit(next, definition);
                }
            }
            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
        }

        foreach (var definition in Definitions)
        {
            var full = definition.GetMetadata("FullPath");
            var name = Path.GetFileNameWithoutExtension(full);
            DependenciesOf(name, full);
            if (state.GetValueOrDefault(name) == 0) Visit(name, full);
        }
        return !Log.HasLoggedErrors;
    }
}
