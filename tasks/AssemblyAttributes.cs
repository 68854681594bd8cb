// The tasks drive Linux builds (namespaces, bubblewrap, FUSE, file ownership): Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
