using BenchmarkDotNet.Running;

// Run by hand, in Release:
//   dotnet run -c Release --project bench/OperationCodeMentor.Bench -- --filter '*' --job short
// The figures go in commit messages and reports, not in timed unit tests.
BenchmarkSwitcher.FromAssembly(typeof(OperationCodeMentor.Bench.CoordinationBenchmarks).Assembly).Run(args);
