using System.Text.Json.Nodes;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>
/// Slack's Block Kit limits, checked the way Slack checks them before it accepts a message or a view. One helper
/// for every test: the fake Slack refuses a call that breaks them (as Slack does, with <c>invalid_blocks</c>), and
/// tests assert on messages and views, including acknowledgement bodies, that never pass through the fake.
/// </summary>
public static class BlockKitLimits
{
    public const int MessageBlocks = 50;
    public const int ViewBlocks = 100;
    public const int SectionText = 3000;
    public const int Fields = 10;
    public const int FieldText = 2000;
    public const int Options = 100;
    public const int OptionGroups = 100;
    public const int OptionText = 75;
    public const int ModalTitle = 24;
    public const int ActionsElements = 25;
    public const int PrivateMetadata = 3000;
    public const int ButtonValue = 2000;
    public const int ButtonText = 75;
    public const int HeaderText = 150;
    public const int Placeholder = 150;
    public const int Ids = 255;
    public const int ContextElements = 10;
    public const int LabelText = 2000;

    private static readonly HashSet<string> MessageMethods = ["chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage", "response_url"];
    private static readonly HashSet<string> ViewMethods = ["views.open", "views.publish", "views.update", "views.push"];

    /// <summary>Every broken limit in one Web API call's body (or response_url post); empty when Slack would accept it.</summary>
    public static IReadOnlyList<string> Problems(string method, JsonObject body)
    {
        var problems = new List<string>();
        if (MessageMethods.Contains(method)) CheckMessage(body, problems);
        else if (ViewMethods.Contains(method))
        {
            if (body["view"] is JsonObject view) CheckView(view, problems);
            else problems.Add($"{method} without a view");
        }
        return problems;
    }

    public static void AssertMessage(JsonObject message) => Fail("message", Check(message, CheckMessage));

    public static void AssertView(JsonObject view) => Fail("view", Check(view, CheckView));

    /// <summary>Checks what a handler answered Slack directly: an ephemeral message, or a view in a response_action.</summary>
    public static void AssertAck(JsonObject? ack)
    {
        if (ack is null) return;
        if (ack["view"] is JsonObject view) AssertView(view);
        else AssertMessage(ack);
    }

    /// <summary>Checks every message and view the bot sent to the fake Slack.</summary>
    public static void AssertAll(IEnumerable<SlackCall> calls)
    {
        var problems = calls.SelectMany(c => Problems(c.Method, c.Body).Select(p => $"{c.Method}: {p}")).ToList();
        Fail("calls", problems);
    }

    private static List<string> Check(JsonObject o, Action<JsonObject, List<string>> check)
    {
        var problems = new List<string>();
        check(o, problems);
        return problems;
    }

    private static void Fail(string what, List<string> problems)
    {
        if (problems.Count > 0) Assert.Fail($"Slack would reject this {what}:\n - " + string.Join("\n - ", problems));
    }

    private static void CheckMessage(JsonObject message, List<string> problems)
    {
        if (message["blocks"] is not JsonArray blocks) return;
        if (blocks.Count > MessageBlocks) problems.Add($"{blocks.Count} blocks in a message (limit {MessageBlocks})");
        foreach (var b in blocks.OfType<JsonObject>()) CheckBlock(b, problems);
    }

    private static void CheckView(JsonObject view, List<string> problems)
    {
        var blocks = view["blocks"] as JsonArray;
        if (blocks is null) problems.Add("a view without blocks");
        else if (blocks.Count > ViewBlocks) problems.Add($"{blocks.Count} blocks in a view (limit {ViewBlocks})");
        foreach (var b in blocks?.OfType<JsonObject>() ?? []) CheckBlock(b, problems);
        if (Str(view, "type") == "modal")
        {
            foreach (var key in new[] { "title", "submit", "close" })
                Length(view[key]?["text"], ModalTitle, $"modal {key}", problems);
            if (view["title"] is null) problems.Add("a modal without a title");
        }
        Length(view["private_metadata"], PrivateMetadata, "private_metadata", problems);
        Length(view["callback_id"], Ids, "callback_id", problems);
    }

    private static void CheckBlock(JsonObject block, List<string> problems)
    {
        Length(block["block_id"], Ids, "block_id", problems);
        switch (Str(block, "type"))
        {
            case "section":
                if (block["text"] is null && block["fields"] is null) problems.Add("a section with neither text nor fields");
                if (block["text"] is JsonObject text) Text(text, SectionText, "section text", problems);
                if (block["fields"] is JsonArray fields)
                {
                    if (fields.Count > Fields) problems.Add($"{fields.Count} fields in a section (limit {Fields})");
                    foreach (var f in fields.OfType<JsonObject>()) Text(f, FieldText, "section field", problems);
                }
                if (block["accessory"] is JsonObject accessory) CheckElement(accessory, problems);
                break;
            case "header":
                if (block["text"] is JsonObject header) Text(header, HeaderText, "header text", problems);
                break;
            case "context":
                var elements = block["elements"] as JsonArray ?? [];
                if (elements.Count is 0 or > ContextElements) problems.Add($"{elements.Count} elements in a context block (1 to {ContextElements})");
                foreach (var e in elements.OfType<JsonObject>().Where(e => e["text"] is not null)) Text(e, SectionText, "context text", problems);
                break;
            case "actions":
                var actions = block["elements"] as JsonArray ?? [];
                if (actions.Count is 0 or > ActionsElements) problems.Add($"{actions.Count} elements in an actions block (1 to {ActionsElements})");
                foreach (var e in actions.OfType<JsonObject>()) CheckElement(e, problems);
                break;
            case "input":
                Length(block["label"]?["text"], LabelText, "input label", problems);
                Length(block["hint"]?["text"], LabelText, "input hint", problems);
                if (block["element"] is JsonObject element) CheckElement(element, problems);
                break;
            case "divider" or "image" or "rich_text" or "file" or "video":
                break;
            default:
                problems.Add($"unknown block type '{Str(block, "type")}'");
                break;
        }
    }

    private static void CheckElement(JsonObject e, List<string> problems)
    {
        Length(e["action_id"], Ids, "action_id", problems);
        Length(e["placeholder"]?["text"], Placeholder, "placeholder", problems);
        switch (Str(e, "type"))
        {
            case "button":
                Length(e["text"]?["text"], ButtonText, "button text", problems);
                Length(e["value"], ButtonValue, "button value", problems);
                break;
            case "static_select" or "multi_static_select" or "overflow" or "checkboxes" or "radio_buttons":
                CheckOptions(e, problems);
                break;
            case "plain_text_input":
                if (e["max_length"]?.GetValue<int>() is > 3000) problems.Add("plain_text_input max_length over 3000");
                if (e["min_length"]?.GetValue<int>() is > 3000) problems.Add("plain_text_input min_length over 3000");
                break;
        }
    }

    private static void CheckOptions(JsonObject e, List<string> problems)
    {
        var options = e["options"] as JsonArray;
        var groups = e["option_groups"] as JsonArray;
        if (options is not null && groups is not null) problems.Add("a select with both options and option_groups");
        var all = new List<JsonObject>();
        if (options is not null)
        {
            if (options.Count > Options) problems.Add($"{options.Count} options in a select (limit {Options})");
            all.AddRange(options.OfType<JsonObject>());
        }
        if (groups is not null)
        {
            if (groups.Count > OptionGroups) problems.Add($"{groups.Count} option groups (limit {OptionGroups})");
            foreach (var g in groups.OfType<JsonObject>())
            {
                Length(g["label"]?["text"], OptionText, "option group label", problems);
                var inGroup = g["options"] as JsonArray ?? [];
                if (inGroup.Count > Options) problems.Add($"{inGroup.Count} options in a group (limit {Options})");
                all.AddRange(inGroup.OfType<JsonObject>());
            }
        }
        if (options is null && groups is null && Str(e, "type") is "static_select" or "multi_static_select") problems.Add("a static select without options");
        foreach (var o in all)
        {
            Length(o["text"]?["text"], OptionText, "option text", problems);
            Length(o["value"], OptionText, "option value", problems);
        }
        var values = all.Select(o => Str(o, "value")).ToHashSet();
        var initial = (e["initial_options"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (e["initial_option"] is JsonObject one) initial.Add(one);
        foreach (var i in initial.Where(i => !values.Contains(Str(i, "value"))))
            problems.Add($"initial option '{Str(i, "value")}' is not among the options");
    }

    private static void Text(JsonObject text, int max, string what, List<string> problems)
    {
        var s = Str(text, "text");
        if (string.IsNullOrEmpty(s)) problems.Add($"empty {what}");
        else if (s.Length > max) problems.Add($"{what} of {s.Length} characters (limit {max})");
    }

    private static void Length(JsonNode? node, int max, string what, List<string> problems)
    {
        if (node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > max)
            problems.Add($"{what} of {s.Length} characters (limit {max})");
    }

    private static string? Str(JsonNode? node, string key) =>
        node is JsonObject o && o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
