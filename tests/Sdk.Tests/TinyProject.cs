namespace Sdk.Tests;

/// <summary>A tiny upstream project made in a test: files under <c>NAME-1.0/</c>, tarred, and a definition on a builder.</summary>
internal static class TinyProject
{
    /// <summary>
    /// Writes the files under <c>tarballs/NAME-VERSION/</c> and packs them as
    /// <c>tarballs/NAME-VERSION.tar.gz</c>; <c>configure</c> and scripts (<c>#!</c>) are executable.
    /// </summary>
    public static string Tarball(PackageFixture f, string name, Dictionary<string, string> files, string version = "1.0") =>
        f.MakeTarball($"{name}-{version}", files);

    /// <summary>A Makefile that builds a shell script <c>tiny</c> and installs it as <c>$(PREFIX)/bin/tiny</c> under DESTDIR.</summary>
    public const string Makefile = "PREFIX ?= /usr/local\nall:\n\tprintf '#!/bin/sh\\necho tiny\\n' > tiny\ninstall: all\n\tmkdir -p $(DESTDIR)$(PREFIX)/bin\n\tinstall -m 755 tiny $(DESTDIR)$(PREFIX)/bin/tiny\n";

    /// <summary>A CMake project without a compiler that installs <c>tiny.sh</c> as <c>bin/tiny</c>.</summary>
    public const string CMakeLists = "cmake_minimum_required(VERSION 3.10)\nproject(tiny NONE)\ninstall(PROGRAMS tiny.sh DESTINATION bin RENAME tiny)\n";

    public static string Definition(string tarball, string builder, string properties = "", string items = "") => $"""
        <Project Sdk="Distri.Sdk">
          <PropertyGroup>
            <Version>1.0</Version>
            <Builder>{builder}</Builder>
            {properties}
          </PropertyGroup>
          <ItemGroup>
            <Source Include="file://{tarball}" Sha256="{PackageFixture.Sha256(tarball)}" />
            {items}
          </ItemGroup>
        </Project>
        """;
}
