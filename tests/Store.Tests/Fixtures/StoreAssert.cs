using System.Security.Cryptography;
using Distri.Packages;
using Distri.Store;

namespace Store.Tests.Fixtures;

/// <summary>Checks of a store's invariant: every visible package (image present) is complete and verified.</summary>
public static class StoreAssert
{
    public static void EveryVisiblePackageIsComplete(PackageStore store, RepositoryIndex index, string? context = null)
    {
        var entries = index.Packages.ToDictionary(e => e.FullName);
        foreach (var name in store.Installed())
        {
            Assert.IsTrue(entries.TryGetValue(name.ToString(), out var entry), $"{context}: {name} is not in the index");
            Assert.IsTrue(File.Exists(store.MetaPath(name)), $"{context}: {name} is visible without its meta");
            Assert.AreEqual(entry.ImageSha256, Sha256(store.ImagePath(name)), $"{context}: image of {name}");
            Assert.AreEqual(entry.MetaSha256, Sha256(store.MetaPath(name)), $"{context}: meta of {name}");
        }
    }

    public static void Installed(PackageStore store, params string[] expected) =>
        CollectionAssert.AreEquivalent(expected, store.Installed().Select(n => n.ToString()).ToList(), "installed packages");

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
