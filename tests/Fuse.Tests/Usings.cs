global using Microsoft.VisualStudio.TestTools.UnitTesting;
[assembly: Parallelize(Scope = ExecutionScope.MethodLevel, Workers = 0)]
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
