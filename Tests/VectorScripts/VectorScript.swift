public import Foundation

/// The independent vector scripts under Tests/vectors/ (Python's hashlib
/// and hmac only): run one and hand back what it printed (JSON).
public enum VectorScript {
    public struct Failed: Error, CustomStringConvertible {
        public var script: String
        public var status: Int32
        public var description: String { "Tests/vectors/\(script) exited \(status)" }
    }

    /// Runs `python3 Tests/vectors/<name>` and returns its standard output;
    /// throws when the script does not exit 0.
    public static func run(_ name: String) throws -> Data {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("vectors").appendingPathComponent(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failed(script: name, status: process.terminationStatus) }
        return data
    }

    /// Runs the script and decodes its JSON.
    public static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        try JSONDecoder().decode(type, from: run(name))
    }
}
