import Foundation
import Glibc
import SSTPDBus
import SSTPPlatform

/// A dbus-daemon of our own, with a config written by the test, on a socket
/// in a temporary folder. Killed by PID when the test ends.
final class PrivateBus {
    let directory: URL
    let address: String
    private let process: Process
    /// The daemon's PID (a test may stop it for a moment).
    var pid: Int32 { process.processIdentifier }

    init() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "sstp-dbus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let socket = directory.appendingPathComponent("bus.sock").path
        address = "unix:path=\(socket)"
        let config = """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>\(address)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """
        let configPath = directory.appendingPathComponent("bus.conf")
        try config.write(to: configPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/dbus-daemon")
        process.arguments = ["--config-file=\(configPath.path)", "--nofork", "--nopidfile", "--print-address=1"]
        let ready = Pipe()
        process.standardOutput = ready
        try process.run()
        // The daemon prints its address once it listens: the socket file
        // alone can exist before connections are accepted.
        var line: [UInt8] = []
        while line.last != 10 {
            let byte = ready.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += byte
        }
        _ = socket
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a command line tool against the bus; returns (status, stdout, stderr).
    func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.environment = ["DBUS_SESSION_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // A tool that hangs must fail the test, not hang it.
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 20, execute: watchdog)
        defer { watchdog.cancel() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    func busctl(_ arguments: [String]) throws -> (Int32, String, String) {
        try run("/usr/bin/busctl", ["--address=\(address)"] + arguments)
    }

    func gdbus(_ arguments: [String]) throws -> (Int32, String, String) {
        try run("/usr/bin/gdbus", arguments)
    }
}

/// Runs an event loop with a D-Bus service on its own thread until stopped
/// through a pipe; the service's objects live on that thread only.
final class LoopThread: @unchecked Sendable {
    private var pipeFDs: [Int32] = [0, 0]
    private let thread: Thread
    private(set) var setupError: String?

    init(address: String, setup: @escaping @Sendable (EventLoop, DBusConnection) throws -> Void) {
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        pipeFDs = fds
        let readFD = fds[0]
        let box = Box()
        thread = Thread {
            do {
                let loop = try EventLoop()
                let connection = try DBusConnection.bus(address: address, loop: loop)
                try setup(loop, connection)
                var running = true
                try loop.add(fd: readFD, events: .readable) { _ in running = false }
                box.ready.signal()
                while running { try loop.runOnce() }
                connection.close()
            } catch {
                box.error = "\(error)"
                box.ready.signal()
            }
            box.finished.signal()
        }
        thread.start()
        box.ready.wait()
        setupError = box.error
        self.box = box
    }

    private var box: Box?

    final class Box: @unchecked Sendable {
        let ready = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        var error: String?
    }

    func stop() {
        var byte: UInt8 = 1
        _ = write(pipeFDs[1], &byte, 1)
        box?.finished.wait()
        close(pipeFDs[0])
        close(pipeFDs[1])
    }
}
