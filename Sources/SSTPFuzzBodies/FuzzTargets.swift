import SSTPHTTP
import SSTPWire

/// The libFuzzer targets' bodies. Fuzz/ links them into a fuzzer binary;
/// Tests/SSTPFuzzRegressionTests replays the committed corpus and every
/// crash input through the same functions on each `make test`.
///
/// A body must return normally for every input: any trap is a bug.
public enum FuzzTargets {
    /// Every target by name, as `make fuzz` and the regression test know them.
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "sstp-deframer": sstpDeframer,
        "http-response": httpResponse,
        "http-request": httpRequest,
        "ppp-frame": { fuzzPPPFrame($0) },
        "ppp-client": { fuzzPPPClient($0) },
        "ppp-server": { fuzzPPPServer($0) },
        "hdlc": { fuzzHDLC($0) },
        "pppd-bridge": { fuzzPPPDBridge($0) },
        "options": { fuzzOptions($0) },
        "eap-tls-reassembly": { fuzzEAPTLSReassembly($0) },
        "peap-tlv": { fuzzPEAPTLV($0) },
        "radius-packet": { fuzzRADIUSPacket($0) },
        "eap-peers": { fuzzEAPPeers($0) },
    ]

    /// Feeds the bytes to the deframer in chunks whose sizes come from the
    /// input itself, parses each packet, and re-serializes what parsed: a
    /// parsed packet must serialize to bytes that parse to the same packet.
    @Sendable public static func sstpDeframer(_ data: [UInt8]) {
        guard let first = data.first else { return }
        let chunk = Int(first % 64) + 1
        let stream = data.dropFirst()
        for options in [SSTPParseOptions.default, .strict] {
            var deframer = SSTPDeframer(options: options)
            var offset = stream.startIndex
            while offset < stream.endIndex {
                let end = min(offset + chunk, stream.endIndex)
                do {
                    let packets = try deframer.feed(stream[offset..<end])
                    for packet in packets {
                        let again = try packet.serialized()
                        let reparsed = try SSTPPacket(parsing: again, options: options)
                        precondition(reparsed == packet, "round trip changed a packet")
                    }
                } catch {
                    break
                }
                offset = end
            }
            precondition(deframer.bufferedByteCount < sstpMaxPacketLength)
        }
    }

    @Sendable public static func httpResponse(_ data: [UInt8]) {
        var parser = HTTPResponseParser(maxHeadLength: 2048, maxHeaderCount: 16)
        if let (head, consumed) = try? parser.feed(data) {
            precondition(consumed <= data.count)
            _ = SSTPDuplexPost.check(response: head)
            _ = HTTPConnect.check(response: head, credentialsSent: false)
        }
    }

    @Sendable public static func httpRequest(_ data: [UInt8]) {
        var parser = HTTPRequestParser(maxHeadLength: 2048, maxHeaderCount: 16)
        if let (head, consumed) = try? parser.feed(data) {
            precondition(consumed <= data.count)
            _ = SSTPDuplexPost.check(request: head)
        }
    }
}
