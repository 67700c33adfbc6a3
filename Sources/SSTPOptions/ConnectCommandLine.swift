/// `sstp connect`'s arguments read straight from the option table, for the
/// plain lines a connecting client is started with: `--name value`,
/// `--name=value`, `--flag`, `-v`, one HOST[:PORT]. The client then does
/// not run swift-argument-parser, whose parse reflects over every option
/// group with Mirror and leaves about 2 MB of start-up code resident for
/// the tunnel's lifetime (issue 17, bench/README.md "Client memory").
///
/// Anything this might read otherwise than ArgumentParser gives nil, and
/// ArgumentParser parses the line as before, with its messages: help,
/// `--version`, a name the table does not have (or a hidden one), an option
/// given twice that is not repeatable, a missing value, a value or a
/// positional that starts with "-" or is empty, `--`, `=` after a flag, a
/// second positional, "help".
public enum ConnectCommandLine {
    /// The command line's texts by table id, in the order given, and
    /// --config's file (read by the caller, not a table value).
    public struct Parsed: Equatable, Sendable {
        public var values: [Value]
        public var config: String?
    }

    public struct Value: Equatable, Sendable {
        public var id: String
        public var text: String
    }

    /// `arguments` are those after "connect".
    public static func parse(_ arguments: [String]) -> Parsed? {
        var parsed = Parsed(values: [], config: nil)
        var seen: Set<String> = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let token = arguments[index]
            index += 1
            guard !token.isEmpty, token != "-", token != "--" else { return nil }
            let spec: OptionSpec
            var text: String
            if token.hasPrefix("--") {
                let body = token.dropFirst(2)
                let name = body.prefix { $0 != "=" }
                guard let found = long[String(name)] else { return nil }
                spec = found
                if name.count < body.count {
                    // --name=value: options only.
                    guard case .option = spec.commandLine else { return nil }
                    text = String(body.dropFirst(name.count + 1))
                } else if case .option = spec.commandLine {
                    guard index < arguments.endIndex else { return nil }
                    text = arguments[index]
                    index += 1
                } else {
                    text = "yes"
                }
            } else if token.hasPrefix("-") {
                guard token.count == 2, let c = token.last, let found = short[c] else { return nil }
                spec = found
                text = "yes"
            } else {
                // "help" could be ArgumentParser's help request.
                guard token != "help", let server = positional else { return nil }
                spec = server
                text = token
            }
            if case .option = spec.commandLine {
                guard !text.isEmpty, !text.hasPrefix("-") else { return nil }
            }
            guard seen.insert(spec.id).inserted || spec.repeatable else { return nil }
            if spec.id == "config" {
                parsed.config = text
            } else {
                parsed.values.append(Value(id: spec.id, text: text))
            }
        }
        return parsed
    }

    private static let long: [String: OptionSpec] = {
        var names: [String: OptionSpec] = [:]
        for spec in OptionTable.all {
            switch spec.commandLine {
            case .option(let n), .flag(let n, _): names[n] = spec
            case .argument, nil: break
            }
        }
        return names
    }()

    private static let short: [Character: OptionSpec] = {
        var names: [Character: OptionSpec] = [:]
        for spec in OptionTable.all {
            if case .flag(_, let c?) = spec.commandLine { names[c] = spec }
        }
        return names
    }()

    private static let positional: OptionSpec? = OptionTable.all.first {
        if case .argument = $0.commandLine { true } else { false }
    }
}
