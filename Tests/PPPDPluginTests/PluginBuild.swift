import Foundation

/// Where `make -C nm-plugin/pppd` put the plugin and the fake-pppd harness
/// (`make build` runs it before `swift test`), and what the installed
/// pppd's headers say.
enum PluginBuild {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// SSTP_PPPD_PLUGIN_BUILD overrides nm-plugin/pppd/build.
    static let directory: String =
        ProcessInfo.processInfo.environment["SSTP_PPPD_PLUGIN_BUILD"]
        ?? root.appendingPathComponent("nm-plugin/pppd/build").path

    static var plugin: String { directory + "/sstp-pppd-bridge.so" }
    static var harness: String { directory + "/fakepppd" }

    /// Fails the test with a pointer to the build step when missing.
    static func require() throws -> (plugin: String, harness: String) {
        for file in [plugin, harness] where !FileManager.default.fileExists(atPath: file) {
            throw TestFailure("\(file) is missing: build it with `make -C nm-plugin/pppd` (or `make build`)")
        }
        return (plugin, harness)
    }

    /// VERSION from <pppd/patchlevel.h>, the pppd the plugin is built for.
    static func headerVersion() throws -> String {
        let text = try String(contentsOfFile: "/usr/include/pppd/patchlevel.h", encoding: .utf8)
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.count >= 3, words[0] == "#define", words[1] == "VERSION" {
                return words[2].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        throw TestFailure("no VERSION in /usr/include/pppd/patchlevel.h")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    return (0...(haystack.count - needle.count)).contains { start in
        haystack[start..<start + needle.count].elementsEqual(needle)
    }
}
