using FluentValidation;
using OperationCodeMentor.Mentorship;

namespace OperationCodeMentor.Features.Shared;

/// <summary>
/// The option lists a form is checked against, passed with each check. A form's validator is built once, since building
/// one compiles its rules (one built per submission left the runtime finalizing compiled methods, which took most of the
/// bot's CPU in a burst of submissions), so what changes between checks travels in the validation context.
/// </summary>
public static class FormLists
{
    private const string Key = "options";

    public static ValidationContext<T> With<T>(T form, OptionLists lists)
    {
        var context = new ValidationContext<T>(form);
        context.RootContextData[Key] = lists;
        return context;
    }

    public static OptionLists Of<T>(ValidationContext<T> context) => (OptionLists)context.RootContextData[Key];
}
