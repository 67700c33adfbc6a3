import Foundation
import SSTPFuzzBodies
import Testing

/// Replays the committed seed corpus and every crash input `make fuzz` kept
/// through the fuzz bodies. A body that traps fails the run.
@Suite struct ReplayTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func inputs(for target: String) -> [URL] {
        let folders = [
            root.appendingPathComponent("Fuzz/corpus/\(target)"),
            root.appendingPathComponent("Tests/FuzzRegressions/\(target)"),
        ]
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
                .filter { !$0.lastPathComponent.hasPrefix(".") }
        }
    }

    @Test(arguments: FuzzTargets.all.keys.sorted()) func replay(_ target: String) throws {
        let files = Self.inputs(for: target)
        // Every target ships seeds; an empty list means the corpus was lost.
        #expect(!files.isEmpty, "no corpus for \(target)")
        let body = try #require(FuzzTargets.all[target])
        for file in files {
            body(Array(try Data(contentsOf: file)))
        }
    }

    /// Random inputs from a fixed seed, so `make test` also explores a little
    /// beyond the corpus without a fuzzer.
    @Test(arguments: FuzzTargets.all.keys.sorted()) func seededRandomInputs(_ target: String) throws {
        let body = try #require(FuzzTargets.all[target])
        var state: UInt64 = 0x5eed
        for round in 0..<2000 {
            let length = round % 300
            var bytes = [UInt8]()
            bytes.reserveCapacity(length)
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            // Half the rounds start like a real packet, so parsing goes deep.
            if round % 2 == 0, bytes.count > 4 {
                bytes[1] = 0x10
                bytes[2] = UInt8(round % 2)
            }
            body(bytes)
        }
    }
}
