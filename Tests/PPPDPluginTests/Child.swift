import Foundation
import Glibc

/// A child process (the harness or pppd) whose stdout and stderr go to
/// files, so a chatty child can never block on a full pipe.
final class Child {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Both streams, for messages that pppd prints on either.
        var output: String { stdout + stderr }
    }

    private let process = Process()
    private let stdoutPath: String
    private let stderrPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        var template = Array("/tmp/sstp-pppd-child-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        let directory = String(cString: made)
        stdoutPath = directory + "/stdout"
        stderrPath = directory + "/stderr"
        for path in [stdoutPath, stderrPath] where !FileManager.default.createFile(atPath: path, contents: nil) {
            throw TestFailure("cannot create \(path)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let directory = (stdoutPath as NSString).deletingLastPathComponent
        try? FileManager.default.removeItem(atPath: directory)
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for the exit; kills the child and throws after `timeout`.
    func wait(timeout: Duration = .seconds(30)) throws -> Result {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure(
                "the child did not exit within \(timeout); output: \(read(stdoutPath) + read(stderrPath))")
        }
        process.waitUntilExit()
        let status = process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
        return Result(status: status, stdout: read(stdoutPath), stderr: read(stderrPath))
    }

    /// /proc/PID/<name> (cmdline, environ) while the child runs.
    func procFile(_ name: String) -> [UInt8] {
        FileManager.default.contents(atPath: "/proc/\(pid)/\(name)").map { Array($0) } ?? []
    }

    private func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
