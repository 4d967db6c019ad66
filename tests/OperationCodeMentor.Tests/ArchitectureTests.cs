using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Tests;

/// <summary>
/// Keeps the dependency rules of ARCHITECTURE.md: feature folders know only <c>Features.Shared</c>, the shared folder
/// knows no feature, the domain and the plumbing know no feature, and the lifecycle's domain knows no store, Slack or
/// ASP.NET. The compiled assembly is read (signatures, attributes and every method body), so a reference hidden in a
/// lambda or an async method counts as much as one in a signature.
/// </summary>
public class ArchitectureTests
{
    private const string Root = "OperationCodeMentor";

    private static readonly Lazy<IReadOnlyList<TypeReference>> MainAssembly =
        new(() => AssemblyReferences.Read(typeof(RequestLifecycle).Assembly.Location));

    [Fact]
    public void TheMainAssembly_KeepsEveryDependencyRule()
    {
        var violations = ArchitectureRules.Violations(MainAssembly.Value, Root).ToList();

        Assert.True(violations.Count == 0, $"{violations.Count} reference(s) break the rules in ARCHITECTURE.md:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheReader_SeesTheFeatures_AndReferencesFromMethodBodies()
    {
        var refs = MainAssembly.Value;

        // Every feature folder is read, and the reader sees what lies only inside bodies (the lifecycle's switch
        // builds refusals and records there, and its lambdas live in compiler-generated nested types).
        var features = refs.Select(r => ArchitectureRules.Area(r.From, Root) == "Features" ? ArchitectureRules.Feature(r.From, Root) : null)
            .OfType<string>().ToHashSet();
        Assert.Superset(new HashSet<string> { "Admin", "Claims", "FollowUp", "Home", "RequestMentor", "Shared", "Volunteer" }, features);
        Assert.Contains(refs, r => r.From.Name == nameof(RequestLifecycle) && r.To.Name == "RequestSession" && r.Where.StartsWith("body of ", StringComparison.Ordinal));
        Assert.Contains(refs, r => r.From.Namespace.StartsWith(Root + ".Features.", StringComparison.Ordinal) && r.To.Namespace == Root + ".Features.Shared");
    }

    [Fact]
    public void ReferencesOnlyInMethodBodies_LambdasAndAsyncMethods_AreFound()
    {
        // The samples below break two rules, each only inside code: a feature news up another feature's type in a
        // lambda, and the domain calls ASP.NET inside an async method.
        var refs = AssemblyReferences.Read(typeof(ArchitectureTests).Assembly.Location, SampleRoot);

        var violations = ArchitectureRules.Violations(refs, SampleRoot).ToList();

        Assert.Contains(violations, v => v.Contains($"{SampleRoot}.Features.Alpha.Widget", StringComparison.Ordinal)
            && v.Contains($"{SampleRoot}.Features.Beta.Gadget", StringComparison.Ordinal) && v.Contains("body of", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Contains($"{SampleRoot}.Mentorship.Domain", StringComparison.Ordinal)
            && v.Contains("Microsoft.AspNetCore.Http.Results", StringComparison.Ordinal));
        Assert.DoesNotContain(violations, v => v.Contains($"{SampleRoot}.Features.Shared", StringComparison.Ordinal));
    }

    private const string SampleRoot = "OperationCodeMentor.Tests.ArchitectureSamples";

    public static TheoryData<string, string, string> Breaches => new()
    {
        // from, to, the rule named in the message
        { "Features.Admin.AdminCommand", "Features.Home.AppHome", "Features.Admin may use only Features.Shared" },
        { "Features.Claims.ClaimAction+<>c", "Features.FollowUp.SessionDoneAction", "Features.Claims may use only Features.Shared" },
        { "Features.Shared.Pairing", "Features.Claims.ClaimAction", "Features.Shared must not use any feature" },
        { "Scheduling.FollowUpSweeper", "Features.Shared.RequestCard", "Scheduling must not use any feature" },
        { "Reliability.WorkQueue", "Features.Shared.PressJob", "Reliability must not use any feature" },
        { "Storage.Sqlite.SqliteMentorshipStore", "Features.Admin.AdminCommand", "Storage must not use any feature" },
        { "Mentorship.RequestLifecycle", "Features.Shared.RequestButtons", "Mentorship must not use any feature" },
        { "Mentorship.RequestLifecycle", "Storage.IMentorshipStore", "Mentorship must not use Storage" },
        { "Mentorship.MentorIndex", "Slack.Mrkdwn", "Mentorship must not use Slack" },
        { "Mentorship.MentorIndex", "Slack.SocketMode.SocketModeService", "Mentorship must not use Slack" },
        { "Mentorship.ProgramStats", "Microsoft.AspNetCore.Http.Results", "Mentorship must not use ASP.NET" },
    };

    [Theory]
    [MemberData(nameof(Breaches))]
    public void EachRule_Bites_NamingTheTypeAndTheReference(string from, string to, string rule)
    {
        var edge = Edge(from, to);

        var violation = Assert.Single(ArchitectureRules.Violations([edge], Root));

        Assert.Contains(rule, violation, StringComparison.Ordinal);
        Assert.Contains(edge.From.ToString(), violation, StringComparison.Ordinal);
        Assert.Contains(edge.To.ToString(), violation, StringComparison.Ordinal);
        Assert.Contains("body of Run", violation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Features.Admin.AdminCommand", "Features.Shared.RequestCard")]
    [InlineData("Features.Admin.AdminCommand", "Features.Admin.AdminGuard")]
    [InlineData("Features.Shared.Pairing", "Features.Shared.Outbox")]
    [InlineData("Features.Shared.Pairing", "Mentorship.RequestLifecycle")]
    [InlineData("Scheduling.FollowUpSweeper", "Storage.IMentorshipStore")]
    [InlineData("Scheduling.ScheduleOptions", "Slack.SlackIds")]
    [InlineData("Storage.RequestChanges", "Mentorship.RequestLifecycle")]
    [InlineData("Hosting.BotComposition", "Features.Admin.AdminFeature")]
    [InlineData("Mentorship.RequestLifecycle", "System.Collections.Generic.List`1")]
    [InlineData("Mentorship.CoordinationOptions", "Microsoft.Extensions.Options.IOptions`1")]
    public void AllowedReferences_AreNotReported(string from, string to) =>
        Assert.Empty(ArchitectureRules.Violations([Edge(from, to)], Root));

    private static TypeReference Edge(string from, string to) => new(Name(from), Name(to), "body of Run");

    private static TypeName Name(string shortName)
    {
        var full = shortName.StartsWith("Microsoft.", StringComparison.Ordinal) || shortName.StartsWith("System.", StringComparison.Ordinal)
            ? shortName : $"{Root}.{shortName}";
        var dot = full.LastIndexOf('.');
        return new TypeName(full[..dot], full[(dot + 1)..]);
    }
}

/// <summary>A type as metadata names it: its namespace (of the outermost type, for a nested one) and its name.</summary>
public sealed record TypeName(string Namespace, string Name)
{
    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}.{Name}";
}

/// <summary>One use of <paramref name="To"/> by <paramref name="From"/>, and where it is (a signature, a body, an attribute).</summary>
public sealed record TypeReference(TypeName From, TypeName To, string Where);

/// <summary>The dependency rules between the folders (namespaces) of the bot.</summary>
public static class ArchitectureRules
{
    private static readonly string[] KnowNoFeature = ["Scheduling", "Reliability", "Storage", "Mentorship"];

    /// <summary>The folder directly under the root: Features, Mentorship, Storage…; null outside the root.</summary>
    public static string? Area(TypeName t, string root) => Segment(t.Namespace, root, 0);

    /// <summary>The feature folder (Admin, Shared…) of a type under Features; null otherwise.</summary>
    public static string? Feature(TypeName t, string root) => Area(t, root) == "Features" ? Segment(t.Namespace, root, 1) : null;

    private static string? Segment(string ns, string root, int index)
    {
        if (!ns.StartsWith(root + ".", StringComparison.Ordinal)) return null;
        var parts = ns[(root.Length + 1)..].Split('.');
        return index < parts.Length ? parts[index] : null;
    }

    /// <summary>Every reference that breaks a rule, as a line naming the rule, the type, the type it uses and where.</summary>
    public static IEnumerable<string> Violations(IEnumerable<TypeReference> references, string root)
    {
        foreach (var r in references)
        {
            if (Broken(r, root) is { } rule) yield return $"{rule}: {r.From} uses {r.To} ({r.Where})";
        }
    }

    private static string? Broken(TypeReference r, string root)
    {
        var from = Area(r.From, root);
        if (from is null) return null;
        var toFeature = Feature(r.To, root);
        var toArea = Area(r.To, root);
        if (from == "Features" && Feature(r.From, root) is { } feature && toFeature is not null && toFeature != feature)
        {
            if (feature == "Shared") return "Features.Shared must not use any feature";
            if (toFeature != "Shared") return $"Features.{feature} may use only Features.Shared, not Features.{toFeature}";
        }
        if (KnowNoFeature.Contains(from) && toArea == "Features") return $"{from} must not use any feature";
        if (from == "Mentorship")
        {
            if (toArea is "Storage" or "Slack") return $"Mentorship must not use {toArea}";
            if (r.To.Namespace == "Microsoft.AspNetCore" || r.To.Namespace.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal))
                return "Mentorship must not use ASP.NET";
        }
        return null;
    }
}

/// <summary>
/// Reads which types each type of an assembly uses, from its metadata: base type, interfaces, fields, properties,
/// method signatures, generic constraints, attributes, locals, and every type, method and field token in method bodies.
/// Nested types (lambdas' closures, async state machines) count as their outermost type.
/// </summary>
public static class AssemblyReferences
{
    /// <param name="under">Only the types of this namespace and those below it; null: every type.</param>
    public static IReadOnlyList<TypeReference> Read(string path, string? under = null)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new SignatureNames(md);
        var found = new List<TypeReference>();
        foreach (var handle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(handle);
            var from = names.Outermost(handle);
            if (under is not null && from.Namespace != under && !from.Namespace.StartsWith(under + ".", StringComparison.Ordinal)) continue;
            void Add(IEnumerable<TypeName> targets, string where)
            {
                foreach (var to in targets)
                    if (to != from) found.Add(new TypeReference(from, to, where));
            }
            void Attributes(CustomAttributeHandleCollection attributes, string where)
            {
                foreach (var a in attributes) Add(names.OfMember(md.GetCustomAttribute(a).Constructor), where);
            }
            void Constraints(GenericParameterHandleCollection parameters, string where)
            {
                foreach (var p in parameters)
                    foreach (var c in md.GetGenericParameter(p).GetConstraints())
                        Add(names.Of(md.GetGenericParameterConstraint(c).Type), where);
            }

            if (!type.BaseType.IsNil) Add(names.Of(type.BaseType), "base type");
            foreach (var i in type.GetInterfaceImplementations()) Add(names.Of(md.GetInterfaceImplementation(i).Interface), "interface");
            Attributes(type.GetCustomAttributes(), "attribute");
            Constraints(type.GetGenericParameters(), "generic constraint");
            foreach (var f in type.GetFields())
            {
                var field = md.GetFieldDefinition(f);
                var where = $"field {md.GetString(field.Name)}";
                Add(field.DecodeSignature(names, null), where);
                Attributes(field.GetCustomAttributes(), where);
            }
            foreach (var p in type.GetProperties())
            {
                var property = md.GetPropertyDefinition(p);
                var where = $"property {md.GetString(property.Name)}";
                var signature = property.DecodeSignature(names, null);
                Add(signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(x => x)), where);
                Attributes(property.GetCustomAttributes(), where);
            }
            foreach (var m in type.GetMethods())
            {
                var method = md.GetMethodDefinition(m);
                var name = md.GetString(method.Name);
                var signature = method.DecodeSignature(names, null);
                Add(signature.ReturnType.Concat(signature.ParameterTypes.SelectMany(x => x)), $"signature of {name}");
                Attributes(method.GetCustomAttributes(), $"attribute of {name}");
                foreach (var p in method.GetParameters()) Attributes(md.GetParameter(p).GetCustomAttributes(), $"attribute of {name}");
                Constraints(method.GetGenericParameters(), $"generic constraint of {name}");
                if (method.RelativeVirtualAddress == 0) continue;
                var body = pe.GetMethodBody(method.RelativeVirtualAddress);
                if (!body.LocalSignature.IsNil)
                    Add(md.GetStandaloneSignature(body.LocalSignature).DecodeLocalSignature(names, null).SelectMany(x => x), $"locals of {name}");
                foreach (var token in Tokens(body.GetILReader()))
                    Add(names.OfToken(token), $"body of {name}");
            }
        }
        return found;
    }

    private static readonly Dictionary<short, OperandType> Operands = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value, o => o.OperandType);

    /// <summary>The metadata tokens (types, methods, fields, signatures) the IL names, in order.</summary>
    private static List<EntityHandle> Tokens(BlobReader il)
    {
        var tokens = new List<EntityHandle>();
        while (il.RemainingBytes > 0)
        {
            var first = il.ReadByte();
            var code = first == 0xFE ? unchecked((short)(0xFE00 | il.ReadByte())) : first;
            switch (Operands[code])
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar: il.Offset += 1; break;
                case OperandType.InlineVar: il.Offset += 2; break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.ShortInlineR or OperandType.InlineString: il.Offset += 4; break;
                case OperandType.InlineI8 or OperandType.InlineR: il.Offset += 8; break;
                case OperandType.InlineSwitch:
                    var targets = il.ReadInt32(); // read before moving on: `Offset += 4 * ReadInt32()` would lose these 4 bytes
                    il.Offset += 4 * targets;
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok or OperandType.InlineSig:
                    tokens.Add(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                default: throw new InvalidOperationException($"IL operand {Operands[code]} is not known to the reader.");
            }
        }
        return tokens;
    }

    /// <summary>Decodes signatures into the named types they mention (generic arguments included).</summary>
    private sealed class SignatureNames(MetadataReader md) : ISignatureTypeProvider<TypeName[], object?>
    {
        public TypeName Outermost(TypeDefinitionHandle handle)
        {
            var type = md.GetTypeDefinition(handle);
            var name = md.GetString(type.Name);
            while (type.IsNested)
            {
                type = md.GetTypeDefinition(type.GetDeclaringType());
                name = md.GetString(type.Name) + "+" + name;
            }
            return new TypeName(md.GetString(type.Namespace), name);
        }

        private TypeName Outermost(TypeReferenceHandle handle)
        {
            var type = md.GetTypeReference(handle);
            var name = md.GetString(type.Name);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                type = md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
                name = md.GetString(type.Name) + "+" + name;
            }
            return new TypeName(md.GetString(type.Namespace), name);
        }

        public TypeName[] Of(EntityHandle handle) => handle.Kind switch
        {
            HandleKind.TypeDefinition => [Outermost((TypeDefinitionHandle)handle)],
            HandleKind.TypeReference => [Outermost((TypeReferenceHandle)handle)],
            HandleKind.TypeSpecification => md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null),
            _ => [],
        };

        /// <summary>The types a constructor or method token names: its declaring type and its signature.</summary>
        public TypeName[] OfMember(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.MethodDefinition:
                    var method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                    var signature = method.DecodeSignature(this, null);
                    return [Outermost(method.GetDeclaringType()), .. signature.ReturnType, .. signature.ParameterTypes.SelectMany(x => x)];
                case HandleKind.MemberReference:
                    var member = md.GetMemberReference((MemberReferenceHandle)handle);
                    var parent = member.Parent.Kind == HandleKind.MethodDefinition ? OfMember(member.Parent) : Of(member.Parent);
                    if (member.GetKind() == MemberReferenceKind.Field) return [.. parent, .. member.DecodeFieldSignature(this, null)];
                    var ms = member.DecodeMethodSignature(this, null);
                    return [.. parent, .. ms.ReturnType, .. ms.ParameterTypes.SelectMany(x => x)];
                default:
                    return Of(handle);
            }
        }

        public TypeName[] OfToken(EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.FieldDefinition:
                    var field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                    return [Outermost(field.GetDeclaringType()), .. field.DecodeSignature(this, null)];
                case HandleKind.MethodSpecification:
                    var spec = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                    return [.. OfMember(spec.Method), .. spec.DecodeSignature(this, null).SelectMany(x => x)];
                case HandleKind.StandaloneSignature:
                    var sig = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                    if (sig.GetKind() != StandaloneSignatureKind.Method) return [];
                    var ms = sig.DecodeMethodSignature(this, null);
                    return [.. ms.ReturnType, .. ms.ParameterTypes.SelectMany(x => x)];
                default:
                    return OfMember(handle);
            }
        }

        public TypeName[] GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => [Outermost(handle)];

        public TypeName[] GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => [Outermost(handle)];

        public TypeName[] GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

        public TypeName[] GetGenericInstantiation(TypeName[] genericType, ImmutableArray<TypeName[]> typeArguments) =>
            [.. genericType, .. typeArguments.SelectMany(x => x)];

        public TypeName[] GetModifiedType(TypeName[] modifier, TypeName[] unmodifiedType, bool isRequired) => [.. unmodifiedType, .. modifier];

        public TypeName[] GetFunctionPointerType(MethodSignature<TypeName[]> signature) =>
            [.. signature.ReturnType, .. signature.ParameterTypes.SelectMany(x => x)];

        public TypeName[] GetPrimitiveType(PrimitiveTypeCode typeCode) => [];

        public TypeName[] GetGenericMethodParameter(object? genericContext, int index) => [];

        public TypeName[] GetGenericTypeParameter(object? genericContext, int index) => [];

        public TypeName[] GetArrayType(TypeName[] elementType, ArrayShape shape) => elementType;

        public TypeName[] GetSZArrayType(TypeName[] elementType) => elementType;

        public TypeName[] GetByReferenceType(TypeName[] elementType) => elementType;

        public TypeName[] GetPointerType(TypeName[] elementType) => elementType;

        public TypeName[] GetPinnedType(TypeName[] elementType) => elementType;
    }
}
