import CFuzzDriver
import Glibc
import SSTPFuzzBodies

/// The body selected by SSTP_FUZZ_TARGET; set once before fuzzing starts.
nonisolated(unsafe) var selected: (@Sendable ([UInt8]) -> Void)?

guard let name = getenv("SSTP_FUZZ_TARGET").map({ String(cString: $0) }),
    let body = FuzzTargets.all[name]
else {
    let names = FuzzTargets.all.keys.sorted().joined(separator: ", ")
    print("set SSTP_FUZZ_TARGET to one of: \(names)")
    exit(2)
}
selected = body

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected?(bytes)
    return 0
}
exit(status)
