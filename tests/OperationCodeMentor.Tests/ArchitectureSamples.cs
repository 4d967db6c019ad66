// Samples for ArchitectureTests: tiny "folders" whose only breaches are hidden in code (a lambda, an async method), to
// show the assembly reader finds references that no signature mentions. Nothing else uses them.

namespace OperationCodeMentor.Tests.ArchitectureSamples.Features.Alpha
{
    public sealed class Widget
    {
        public Func<int> Size() => () => new Beta.Gadget().Size + new Shared.Part().Size;
    }
}

namespace OperationCodeMentor.Tests.ArchitectureSamples.Features.Beta
{
    public sealed class Gadget
    {
        public int Size => new Shared.Part().Size;
    }
}

namespace OperationCodeMentor.Tests.ArchitectureSamples.Features.Shared
{
    public sealed class Part
    {
        public int Size => 1;
    }
}

namespace OperationCodeMentor.Tests.ArchitectureSamples.Mentorship
{
    public static class Domain
    {
        public static async Task<object> AnswerAsync()
        {
            await Task.Yield();
            return Microsoft.AspNetCore.Http.Results.Ok();
        }
    }
}
