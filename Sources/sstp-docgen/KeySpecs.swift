import SSTPOptions

/// The table's vpn.data keys in the vocabulary of nm-plugin/sstp-keys.c's
/// key_specs (KIND_STRING, KIND_BOOL, KIND_UINT, KIND_CHOICE,
/// KIND_GATEWAY, KIND_PINS), as tab-separated rows or as C rows that could
/// replace key_specs.
enum KeySpecs {
    struct Row {
        var name: String
        var kind: String
        var min: Int
        var max: Int
        var choices: String?
    }

    static var rows: [Row] {
        OptionTable.all.compactMap { spec in
            guard let key = spec.vpnData else { return nil }
            switch spec.kind {
            case .bool: return Row(name: key.name, kind: "KIND_BOOL", min: 0, max: 0)
            case .uint(let r): return Row(name: key.name, kind: "KIND_UINT", min: r.lowerBound, max: r.upperBound)
            case .choice(let words, _):
                return Row(name: key.name, kind: "KIND_CHOICE", min: 0, max: 0, choices: words.joined(separator: " "))
            case .hostPort: return Row(name: key.name, kind: "KIND_GATEWAY", min: 0, max: 0)
            case .pin: return Row(name: key.name, kind: "KIND_PINS", min: 0, max: 0)
            case .string, .path, .secretFile, .secret, .ipv4Network, .interfaceName:
                return Row(name: key.name, kind: "KIND_STRING", min: 0, max: 0)
            }
        }
    }

    /// name TAB kind TAB min TAB max TAB choices (the same format as
    /// nm-plugin/tests/dump-keys.c prints), sorted by name.
    static var tsv: String {
        rows.sorted { $0.name < $1.name }.map { "\($0.name)\t\($0.kind)\t\($0.min)\t\($0.max)\t\($0.choices ?? "")\n" }
            .joined()
    }

    static var cRows: String {
        rows.map { row in
            let choices = row.choices.map { "\"\($0)\"" } ?? "NULL"
            return "    {\"\(row.name)\", \(row.kind), \(row.min), \(row.max), \(choices)},\n"
        }.joined()
    }
}
