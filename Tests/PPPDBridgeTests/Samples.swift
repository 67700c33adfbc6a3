import PPPDBridge

/// One or more values of every message, edge cases included.
enum Samples {
    static let sendKey: [UInt8] = Array(0x10...0x1f)
    static let receiveKey: [UInt8] = Array(0xa0...0xaf)

    static let all: [BridgeMessage] = [
        .hello(
            pppdVersion: "2.4.9", pid: 4242, protocolVersion: 1,
            options: ["sstp-bridge-socket=/run/sstp/bridge.sock", "user=alice", "ipparam=sstp-1"]),
        .hello(pppdVersion: "2.5.2", pid: UInt32.max, protocolVersion: 1, options: []),
        .passwordRequest(user: "alice"),
        .passwordRequest(user: ""),
        .passwordRequest(user: "CONTOSO\\bøb"),
        .phase(0),
        .phase(5),
        .phase(UInt32.max),
        .authUp(sendKey: sendKey, receiveKey: receiveKey),
        .authUp(sendKey: nil, receiveKey: nil),
        .authUp(sendKey: Array(repeating: 0x5a, count: 32), receiveKey: nil),
        .authUp(sendKey: nil, receiveKey: receiveKey),
        .ipUp(
            interface: "ppp0", local: [10, 0, 0, 2], peer: [10, 0, 0, 1], dns: [[192, 0, 2, 53], [192, 0, 2, 54]],
            mtu: 1400),
        .ipUp(interface: "ppp3", local: [172, 16, 0, 9], peer: nil, dns: [], mtu: 1500),
        .ipUp(interface: "ppp1", local: [1, 0, 0, 0], peer: [0, 0, 0, 1], dns: [[0, 0, 0, 9]], mtu: 0),
        .ipv6Up(
            interface: "ppp0", localIdentifier: [0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55],
            peerIdentifier: [0x0a, 0xbb, 0xcc, 0xff, 0xfe, 0xdd, 0xee, 0x01]),
        .ipv6Up(interface: "ppp0", localIdentifier: [0, 0, 0, 0, 0, 0, 0, 1], peerIdentifier: nil),
        .exit(status: 0),
        .exit(status: 16),
        .password("correct horse battery staple"),
        .password(""),
        .password("pässwörd ✓ with spaces and \"quotes\""),
        .passwordRefused(reason: "the user cancelled"),
        .passwordRefused(reason: ""),
        .authAck,
        .failure("SSTP Call Connected was refused"),
    ]
}

/// A fixed-seed generator, so failures reproduce.
struct SeededBytes {
    var state: UInt64

    mutating func next() -> UInt8 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}

/// A message of `type` with `body` as given, for malformed inputs.
func rawMessage(_ type: UInt8, _ body: [UInt8], version: UInt8 = 1) -> [UInt8] {
    [version, type, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
}

/// One attribute, length taken from the value.
func attribute(_ tag: UInt16, _ value: [UInt8]) -> [UInt8] {
    [UInt8(tag >> 8), UInt8(tag & 0xff), UInt8(value.count >> 8), UInt8(value.count & 0xff)] + value
}

func decodeAll(_ bytes: [UInt8]) throws(BridgeError) -> [BridgeMessage] {
    var deframer = BridgeDeframer()
    return try deframer.feed(bytes)
}
