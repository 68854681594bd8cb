using Distri.Packages;
using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Full names of this checkout's pkgs/ as their definitions state them: tests that build a real
/// package find its image by the same name the build gives it, through every revision bump.
/// </summary>
internal static class CheckoutDefinitions
{
    /// <param name="part">A split part's name (e.g. <c>ncurses-dev</c>): versioned and revised with its package.</param>
    public static string FullName(string name, string? part = null)
    {
        var definition = PackageDefinition.Read(Path.Combine(RepoPaths.Root, "pkgs", name, name + PackageDefinition.Extension));
        var version = definition.Property("Version") ?? throw new InvalidDataException($"{definition.Path}: no <Version>");
        return $"{part ?? definition.Name}-amd64-{version}-{definition.Revision}";
    }
}
