import Foundation

/// The throwaway PKI of Tests/tls-pki/make-test-pki.sh, made once per test
/// process in a fresh temporary directory.
struct TestPKI: Sendable {
    let directory: String

    func path(_ name: String) -> String { directory + "/" + name }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private static let shared: Result<TestPKI, Failure> = {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tls-pki/make-test-pki.sh")
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sstp-tls-pki-\(UUID().uuidString)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script.path, directory]
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .failure(Failure(description: "cannot run \(script.path): \(error)"))
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self)
            return .failure(Failure(description: "make-test-pki.sh failed: \(text)"))
        }
        atexit {
            if case .success(let pki) = TestPKI.shared {
                try? FileManager.default.removeItem(atPath: pki.directory)
            }
        }
        return .success(TestPKI(directory: directory))
    }()

    static func get() throws -> TestPKI {
        try shared.get()
    }

    /// Runs a shell pipeline over the PKI directory and returns its output,
    /// trimmed (for values computed independently with the openssl CLI).
    func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(command) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
