using System.CommandLine;
using Distri.Cli;
using Distri.Cli.Commands;

PrintableWriter.InstallOnStandardError();

// The `distri` command: one file per subcommand in Commands/, each a thin layer over a library.
var root = new RootCommand("distri: packages are SquashFS images; /ro shows them all.")
{
    MkImageCommand.Create(),
    LsCommand.Create(),
    CatCommand.Create(),
    FuseCommand.Create(),
    InstallCommand.Create(),
    UpdateCommand.Create(),
    GcCommand.Create(),
    ListCommand.Create(),
    IndexCommand.Create(),
    ExportCommand.Create(),
    SandboxCommand.Create(),
    BumpCommand.Create(),
    CiCommand.Create(),
    NewCommand.Create(),
    LogCommand.Create(),
    ShellCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
