namespace Distri.Tasks.Diagnostics;

/// <summary>
/// Every diagnostic the SDK raises, in one place: a code and a message template. Ranges:
/// DST1xxx package definition, DST2xxx sources, DST3xxx build steps and sandbox, DST4xxx images
/// and metadata. Codes are stable; packagers search for them.
/// </summary>
public static class Messages
{
    public sealed record Message(string Code, string Template)
    {
        public string Format(params object?[] args) => string.Format(System.Globalization.CultureInfo.InvariantCulture, Template, args);
    }

    // DST1xxx: the package definition.
    public static readonly Message MissingVersion = new("DST1001", "the package has no <Version>; add e.g. <Version>1.0</Version> to a <PropertyGroup>");
    public static readonly Message MissingSource = new("DST1002", "the package has no <Source>; add <Source Include=\"https://…/name-version.tar.gz\" Sha256=\"…\" /> to an <ItemGroup>");
    public static readonly Message UnknownBuilder = new("DST1003", "unknown builder '{0}'; use autotools, cmake, meson, python, perl, custom or seed");
    public static readonly Message InvalidName = new("DST1004", "invalid package identity: {0}");
    public static readonly Message UnknownDependency = new("DST1005", "unknown dependency '{0}': there is no {1}");
    public static readonly Message UnbuiltDependency = new("DST1006", "dependency '{0}' is not built: {1}");
    public static readonly Message NoBuildSteps = new("DST1007", "Builder is custom but the package has no <BuildStep Include=\"name\" Command=\"…\" /> items");
    public static readonly Message InvalidSha256 = new("DST1008", "source '{0}': {1} '{2}' is not a sha256 (64 hex digits)");
    public static readonly Message UnknownPostInstall = new("DST1009", "unknown post-install action '{0}'; use delete, symlink or chmod");
    public static readonly Message DependencyCycle = new("DST1010", "dependency cycle: {0}");
    public static readonly Message InvalidRevision = new("DST1011", "<Revision> '{0}' is not a non-negative integer");
    public static readonly Message MissingPostInstallArgument = new("DST1012", "post-install '{0}' needs the {1} attribute");
    public static readonly Message NoDebianPackages = new("DST1013", "Builder is seed but the package has no <DebianPackage Include=\"name\" Version=\"…\" Sha256=\"…\" /> items");
    public static readonly Message MissingDebianVersion = new("DST1014", "Debian package '{0}' has no Version; pin it, e.g. Version=\"1.2-3\" (apt-cache policy {0})");
    public static readonly Message PathOutsideArtifacts = new("DST1015", "the definition's values make the path '{0}', which leaves {1}; names, versions and revisions may not contain '/' or '..'");
    public static readonly Message InvalidSourceSubdirectory = new("DST1016", "<SourceSubdirectory> '{0}' must be a relative path below the source tree, without '..'");
    public static readonly Message InvalidSplit = new("DST1017", "split '{0}': {1}");
    public static readonly Message PropertyReadsDerivedValue = new("DST1018", "<{0}> reads $({1}), which the SDK makes from this definition only after reading it: here it is empty. Write $({1}) in the item that needs it (a BuildStep's Command, …), not in a property");

    // DST2xxx: sources.
    public static readonly Message SourceUnavailable = new("DST2001", "cannot fetch source '{0}' (sha256 {1}); origins tried:{2}");
    public static readonly Message Sha256Mismatch = new("DST2002", "source '{0}' from {1}: sha256 mismatch: expected {2}, actual {3}; the download was discarded");
    public static readonly Message ExtractFailed = new("DST2003", "cannot extract {0}: {1}");
    public static readonly Message PatchMissing = new("DST2004", "patch '{0}' does not exist");
    public static readonly Message DebianPackageUnavailable = new("DST2005", "cannot fetch Debian package {0}={1}: {2}; is the version still served (apt-cache policy {0})?");
    public static readonly Message SourceSubdirectoryMissing = new("DST2006", "the source tree {1} has no directory '{0}' (<SourceSubdirectory>); its directories: {2}");
    public static readonly Message DebianVersionReplaced = new("DST2007", "Debian source {0}={1} is no longer served; used {0}={2}, whose upstream tarball has the declared sha256 {3}: pin DebianVersion=\"{2}\"");

    // DST3xxx: build steps and sandbox.
    public static readonly Message StepFailed = new("DST3001", "step '{0}' failed with exit code {1}; full log: {2}; last lines:\n{3}{4}");
    public static readonly Message PatchFailed = new("DST3002", "patch '{0}' does not apply (exit code {1}); full log: {2}; last lines:\n{3}{4}");
    public static readonly Message PostInstallFailed = new("DST3003", "post-install '{0}' on '{1}': {2}");
    public static readonly Message NothingInstalled = new("DST3004", "the install step put nothing into {0}; does it honour DESTDIR?");
    public static readonly Message UnsafeInstallTree = new("DST3005", "the install tree is not a plain directory tree: {0}; a build may not link its image root or its parents elsewhere");
    public static readonly Message StepSilent = new("DST3006", "step '{0}' printed nothing for {1} s and was stopped (a test program waiting for something that never comes?); full log: {2}; last lines:\n{3}{4}\nA step that is quiet by nature: raise <DistriStepSilenceTimeoutSeconds> (0: no limit) in the definition");

    // DST35xx: the build environment (the /ro view, the sandbox, runtime dependencies).
    public static readonly Message ViewFailed = new("DST3503", "cannot mount the build view of {0}: {1}\n(log: {2})");
    public static readonly Message NoBubblewrap = new("DST3504", "{0} not found: builds run in a bubblewrap sandbox (apt-get install bubblewrap, or run eng/install-prereqs.sh)");
    public static readonly Message NoBuildUser = new("DST3505", "builds never run as root, and the build user '{0}' does not exist (or is root): create it with `useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin {0}` (eng/install-prereqs.sh does)");
    public static readonly Message ViewStillMounted = new("DST3506", "the build view at {0} is still mounted");
    public static readonly Message UnresolvedRuntimeDependency = new("DST3510", "{0}: {1} is provided by no package in the build closure; declare the dependency");

    // DST4xxx: images and metadata.
    public static readonly Message PackFailed = new("DST4001", "cannot write image {0}: {1}");
    public static readonly Message PublishFailed = new("DST4002", "cannot publish {0}: {1}");
    public static readonly Message BadDependencyMeta = new("DST4003", "cannot read the meta of dependency {0}: {1}");
    public static readonly Message FullNameTaken = new("DST4004", "{0} is already published from input digest {1}, but this build's inputs are {2}: a full name always stands for the same files; raise the revision of it and of everything built against it: distri bump {3} --reverse -w");
    public static readonly Message EmptySplit = new("DST4005", "split part {0} claims no file of the install tree (Paths=\"{1}\"); its image is empty");

    // DST41xx: the shared build cache (warnings: the package is built instead).
    public static readonly Message CacheUnreachable = new("DST4101", "build cache {0}: {1}; building instead");
    public static readonly Message CacheEntryMismatch = new("DST4102", "build cache entry {0} is not what it claims ({1}); ignoring it and building");
    public static readonly Message CachePushFailed = new("DST4103", "cannot upload {0} to build cache {1}: {2}");
}
