using Distri.Testing;

namespace Sdk.Tests;

/// <summary>
/// Tiny C projects in the shape of an autotools package (a configure that records the prefix, a
/// Makefile honouring CC, CFLAGS, CPPFLAGS, LDFLAGS and DESTDIR), written into a fixture as
/// tarballs: real ELF files built by the sandbox's toolchain, in seconds.
/// </summary>
internal static class TinyC
{
    private const string Configure = """
        #!/bin/sh
        prefix=/usr/local
        for a in "$@"; do case "$a" in --prefix=*) prefix="${a#--prefix=}";; esac; done
        echo "PREFIX=$prefix" > config.mk
        """;

    /// <summary>
    /// A library: <c>lib/libtiny.so.1</c> (and the libtiny.so link), <c>lib/libtiny.a</c>,
    /// <c>include/tiny.h</c> and <c>lib/pkgconfig/tiny.pc</c> naming the prefix.
    /// </summary>
    public static string Library(PackageFixture f, string name) => Tarball(f, name, new()
    {
        ["tiny.h"] = "int tiny(void);\n",
        ["tiny.c"] = "#include \"tiny.h\"\nint tiny(void) { return 42; }\n",
        ["Makefile"] = """
            include config.mk
            all: libtiny.so.1 libtiny.a
            libtiny.so.1: tiny.c
            	$(CC) $(CFLAGS) $(CPPFLAGS) -fPIC -shared -Wl,-soname,libtiny.so.1 $(LDFLAGS) -o $@ tiny.c
            libtiny.a: tiny.c
            	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o tiny.o tiny.c && ar rcs $@ tiny.o
            install: all
            	mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include
            	install -m 755 libtiny.so.1 $(DESTDIR)$(PREFIX)/lib/
            	ln -sf libtiny.so.1 $(DESTDIR)$(PREFIX)/lib/libtiny.so
            	install -m 644 libtiny.a $(DESTDIR)$(PREFIX)/lib/
            	install -m 644 tiny.h $(DESTDIR)$(PREFIX)/include/
            	printf 'prefix=$(PREFIX)\nincludedir=$${prefix}/include\nlibdir=$${prefix}/lib\n\nName: tiny\nDescription: tiny\nVersion: 1.0\nCflags: -I$${includedir}\nLibs: -L$${libdir} -ltiny\n' > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tiny.pc

            """,
    });

    /// <summary>
    /// A program <c>bin/NAME</c> from <c>prog.c</c> (<paramref name="source"/>), linked with
    /// <paramref name="libraries"/>; <paramref name="check"/> runs before compiling (a shell line).
    /// </summary>
    /// <remarks>Installed read-only (0555), as perl installs its modules: the strip step must cope.</remarks>
    public static string Program(PackageFixture f, string name, string source, string libraries = "", string check = "true") => Tarball(f, name, new()
    {
        ["prog.c"] = source,
        ["Makefile"] = $"""
            include config.mk
            all: {name}
            {name}: prog.c
            	{check}
            	$(CC) $(CFLAGS) $(CPPFLAGS) $(LDFLAGS) -o $@ prog.c {libraries}
            install: all
            	mkdir -p $(DESTDIR)$(PREFIX)/bin
            	install -m 555 {name} $(DESTDIR)$(PREFIX)/bin/

            """,
    });

    private static string Tarball(PackageFixture f, string name, Dictionary<string, string> files)
    {
        files["configure"] = Configure;
        return TinyProject.Tarball(f, name, files);
    }
}

/// <summary>
/// Packages a test class builds once, in the sandbox, and its tests share: written by
/// <c>write</c> (which returns the project to build) into a fixture kept until the class ends.
/// </summary>
internal sealed class SharedBuild(Func<PackageFixture, string> write)
{
    private readonly Lazy<(PackageFixture Fixture, ExternalTool.Result Result)> _built = new(() =>
    {
        var f = new PackageFixture();
        return (f, f.Build(write(f)));
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The build's output (it has run and succeeded once <see cref="Fixture"/> returned).</summary>
    public ExternalTool.Result Result => _built.Value.Result;

    /// <summary>The fixture after a successful build; inconclusive without FUSE or bubblewrap.</summary>
    public PackageFixture Fixture()
    {
        Requires.Fuse();
        Requires.Tool("bwrap");
        var (f, result) = _built.Value;
        Assert.AreEqual(0, result.ExitCode, "the build failed:\n" + BuildEnvironmentIntegrationTests.Tail(result));
        return f;
    }

    public void Dispose()
    {
        if (_built.IsValueCreated) _built.Value.Fixture.Dispose();
    }
}
