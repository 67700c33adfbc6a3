import Glibc

/// `name = value` lines; `#` starts a comment; a name may repeat (pin, route).
struct ConfigFile {
    private var values: [(String, String)] = []

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static let knownKeys: Set<String> = [
        "server", "user", "password-file", "domain", "ca-cert", "extra-ca", "pin", "tls-min", "tls-max",
        "server-name", "no-sni", "insecure-skip-verify", "proxy", "proxy-user", "proxy-password-file",
        "refuse-pap", "refuse-chap", "refuse-mschap-v2", "refuse-eap", "no-ipv6", "hello-interval",
        "lcp-echo-interval", "lcp-echo-failure", "interface", "mtu", "default-route", "route", "no-dns", "verbose",
        "backend", "pppd-plugin",
    ]

    static func load(path: String) throws -> ConfigFile {
        guard let f = fopen(path, "r") else {
            throw LoadError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var text: [UInt8] = []
        while true {
            let c = fgetc(f)
            if c == EOF { break }
            text.append(UInt8(truncatingIfNeeded: c))
            if text.count > 1 << 20 { throw LoadError(description: "\(path) is larger than 1 MiB") }
        }
        var file = ConfigFile()
        for (number, rawLine) in String(decoding: text, as: UTF8.self).split(
            separator: "\n", omittingEmptySubsequences: false
        ).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = line.trimmingCharacters()
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1)
            let key = parts[0].trimmingCharacters()
            if key == "password" {
                throw LoadError(description: "\(path):\(number + 1): give password-file, not the password itself")
            }
            guard knownKeys.contains(key) else {
                throw LoadError(description: "\(path):\(number + 1): unknown option \"\(key)\"")
            }
            let value = parts.count > 1 ? parts[1].trimmingCharacters() : "yes"
            file.values.append((key, value))
        }
        return file
    }

    subscript(key: String) -> String? {
        values.last { $0.0 == key }?.1
    }

    func all(_ key: String) -> [String] {
        values.filter { $0.0 == key }.map(\.1)
    }

    func bool(_ key: String) -> Bool? {
        guard let v = self[key]?.lowercased() else { return nil }
        return ["yes", "true", "1", "on"].contains(v)
    }

    func int(_ key: String) -> Int? {
        self[key].flatMap { Int($0) }
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
