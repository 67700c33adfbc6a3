/// The `--config` file (sstp.conf(5)): one `name = value` per line; `#`
/// starts a comment; a name alone means `name = yes`; a repeatable name
/// (pin, route) may appear on several lines. Every name must be a config
/// key of `OptionTable`, and every value must parse; a refusal names the
/// file, the line and the option.
public enum ConfigFileParser {
    /// The largest file read: a profile is a few hundred bytes.
    public static let maxBytes = 1 << 20

    public static func parse(_ bytes: [UInt8], path: String) throws(OptionFailure) -> [OptionInput] {
        guard bytes.count <= maxBytes else {
            throw OptionFailure(name: path, reason: "larger than \(maxBytes) bytes; this is not a config file")
        }
        var inputs: [OptionInput] = []
        // Lines split on the byte 0x0A: as Characters, "\r\n" is one
        // grapheme and would not split at "\n".
        for (index, lineBytes) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let rawLine = String(decoding: lineBytes, as: UTF8.self)
            let location = "\(path):\(index + 1)"
            let line = (rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
                .trimmingConfigSpace()
            if line.isEmpty { continue }
            let key: String
            let value: String
            if let equals = line.firstIndex(of: "=") {
                key = line[..<equals].trimmingConfigSpace()
                value = line[line.index(after: equals)...].trimmingConfigSpace()
                guard !key.isEmpty else {
                    throw OptionFailure(
                        name: "\"\(line)\"", location: location,
                        reason: "no option name before \"=\"; write name = value")
                }
            } else {
                key = line
                value = "yes"
            }
            if key == "password" || key == "proxy-password" {
                throw OptionFailure(
                    name: key, location: location, reason: "give \(key)-file, not the password itself")
            }
            guard let spec = OptionTable.byConfigKey(key) else {
                throw OptionFailure(name: "\"\(key)\"", location: location, reason: "unknown option")
            }
            if value.isEmpty, line.contains("=") {
                throw OptionFailure(name: key, location: location, reason: "no value after \"=\"")
            }
            if !line.contains("="), !spec.kind.isBool {
                throw OptionFailure(name: key, location: location, reason: "give a value: \(key) = \(spec.valueName)")
            }
            // Parse now, so a bad value names its line even when the
            // command line later overrides the option.
            do {
                _ = try spec.kind.parse(value, from: .configFile)
            } catch {
                throw OptionFailure(name: key, location: location, reason: error.reason)
            }
            inputs.append(OptionInput(spec: spec, text: value, from: .configFile, location: location))
        }
        return inputs
    }
}

extension StringProtocol {
    func trimmingConfigSpace() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
