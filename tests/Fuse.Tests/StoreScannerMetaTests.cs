using Distri.Fuse.Store;

namespace Distri.Fuse.Tests;

[TestClass]
public sealed class StoreScannerMetaTests
{
    [TestMethod]
    [DataRow("name: a\nexchangeDirectories: []\nimageSize: 1\n", false)]
    [DataRow("name: a\nimageSize: 1\n", false)]
    [DataRow("name: a\nexchangeDirectories:\n- directory: lib/h/modules\n  host: h\n", true)]
    [DataRow("name: a\nexchangeDirectories: [{directory: lib/h/modules, host: h}]\n", true)]
    public void OnlyMetasThatMayDeclareExchangeDirectoriesAreParsed(string meta, bool declares)
    {
        Assert.AreEqual(declares, StoreScanner.DeclaresExchangeDirectories(meta));
    }
}
