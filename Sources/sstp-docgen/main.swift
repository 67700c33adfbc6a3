import Foundation
import SSTPOptions

// sstp-docgen: writes the manual pages and the shell completions from the
// option table (make docs). Not installed.
//
//   sstp-docgen --out DIR [--sstp PATH] [--readme PATH]
//       DIR/man/sstp.1, DIR/man/sstp-service.8, DIR/man/sstp.conf.5,
//       DIR/completion/sstp.bash, DIR/completion/_sstp, DIR/completion/sstp.fish
//   sstp-docgen --vpn-data-keys    the vpn.data keys, as nm-plugin's dump-keys prints them
//   sstp-docgen --c-key-specs      the same as C rows for nm-plugin/sstp-keys.c
//   sstp-docgen --config-keys      the config file's keys, one a line
//   sstp-docgen --cli-options      the long options of sstp connect, one a line

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("sstp-docgen: \(message)\n".utf8))
    exit(64)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var out: String?
var readme = "README.md"
var sstp = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sstp")
    .path
while let arg = arguments.first {
    arguments.removeFirst()
    switch arg {
    case "--vpn-data-keys":
        print(KeySpecs.tsv, terminator: "")
        exit(0)
    case "--config-keys":
        for spec in OptionTable.all { if let key = spec.configKey { print(key) } }
        exit(0)
    case "--cli-options":
        for spec in OptionTable.all {
            if case .option(let n) = spec.commandLine { print(n) }
            if case .flag(let n, _) = spec.commandLine { print(n) }
        }
        exit(0)
    case "--c-key-specs":
        print(KeySpecs.cRows, terminator: "")
        exit(0)
    case "--out", "--sstp", "--readme":
        guard let value = arguments.first else { fail("\(arg) needs a value") }
        arguments.removeFirst()
        if arg == "--out" { out = value } else if arg == "--sstp" { sstp = value } else { readme = value }
    default:
        fail("unknown argument \(arg); usage: sstp-docgen --out DIR [--sstp PATH] [--readme PATH]")
    }
}
guard let out else { fail("usage: sstp-docgen --out DIR [--sstp PATH] [--readme PATH]") }

/// README.md's exit-status table: the rows after "| Exit status |".
@MainActor func exitStatuses(_ path: String) -> [(String, String)] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { fail("cannot read \(path)") }
    var rows: [(String, String)] = []
    var inTable = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("| Exit status |") {
            inTable = true
            continue
        }
        guard inTable else { continue }
        guard line.hasPrefix("|") else { break }
        let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        guard cells.count == 2, cells[0].allSatisfy(\.isNumber) else { continue }
        rows.append((cells[0], cells[1]))
    }
    if rows.isEmpty { fail("no exit-status table in \(path)") }
    return rows
}

@MainActor func write(_ text: String, _ relative: String) {
    let url = URL(fileURLWithPath: out).appendingPathComponent(relative)
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    } catch {
        fail("cannot write \(url.path): \(error)")
    }
}

/// ArgumentParser writes the completion scripts of the real command.
@MainActor func completion(_ shell: String) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: sstp)
    process.arguments = ["--generate-completion-script", shell]
    let pipe = Pipe()
    process.standardOutput = pipe
    do {
        try process.run()
    } catch {
        fail("cannot run \(sstp): \(error)")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0, !data.isEmpty else { fail("\(sstp) wrote no \(shell) completion") }
    return String(decoding: data, as: UTF8.self)
}

/// bash-completion sources the bash script, it never runs it: no "#!" line
/// (lintian's bash-completion-with-hashbang).
func sourceable(_ script: String) -> String {
    guard script.hasPrefix("#!") else { return script }
    let body = script.drop { $0 != "\n" }.dropFirst()
    return String(body.drop { $0 == "\n" })
}

write(ManPages.sstp(exitStatuses: exitStatuses(readme)), "man/sstp.1")
write(ManPages.sstpService(), "man/sstp-service.8")
write(ManPages.sstpConf(), "man/sstp.conf.5")
write(sourceable(completion("bash")), "completion/sstp.bash")
write(completion("zsh"), "completion/_sstp")
write(completion("fish"), "completion/sstp.fish")
