using System.CommandLine;
using System.Globalization;
using Distri.Store;

namespace Distri.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var options = new StoreCommandLine();
        var command = new Command("list", "List installed packages with versions and sizes.");
        options.AddTo(command, withRepositories: false);
        command.SetAction(parseResult => StoreCommandLine.Run("list", () =>
        {
            var store = new PackageStore(options.Root(parseResult));
            var installed = store.Installed();
            var width = installed.Select(n => n.NameAndArch.Length).DefaultIfEmpty(4).Max();
            var versionWidth = installed.Select(n => $"{n.Version}-{n.Revision}".Length).DefaultIfEmpty(7).Max();
            long total = 0;
            foreach (var name in installed)
            {
                var size = new FileInfo(store.ImagePath(name)).Length;
                total += size;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name.NameAndArch.PadRight(width)}  {$"{name.Version}-{name.Revision}".PadRight(versionWidth)}  {size / 1e6,8:0.0} MB"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{installed.Count} packages, {total / 1e6:0.0} MB"));
            return 0;
        }));
        return command;
    }
}
