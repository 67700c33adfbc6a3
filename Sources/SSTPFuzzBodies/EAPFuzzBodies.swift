import PPP
import RADIUS

// Fuzz bodies for issue 15's parsers: EAP-TLS fragment reassembly, PEAP's
// TLVs and RADIUS packets. Nothing may trap; what parses must serialize
// back to what parses the same.

/// The first byte picks the fragment size and limits; the rest is a train
/// of EAP-TLS packets, each one length byte then that many bytes of Flags
/// onward (Type 13 is put in front). Every event must respect the limits;
/// then the whole input, as one message, must survive our own sender and
/// receiver.
public func fuzzEAPTLSReassembly(_ data: [UInt8]) {
    guard let first = data.first else { return }
    let limits = EAPTLSLimits(maxMessageLength: 64 + Int(first & 0x3F) * 64, maxFragments: 1 + Int(first >> 6) * 4)
    var receiver = EAPTLSFraming(type: 13, limits: limits)
    var rest = data.dropFirst()
    while let length = rest.first {
        let packet = [13] + Array(rest.dropFirst().prefix(Int(length)))
        rest = rest.dropFirst(1 + Int(length))
        switch try? receiver.receive(packet[...]) {
        case .message(let message):
            precondition(message.count <= limits.maxMessageLength, "message over the limit")
        case .acknowledge(let ack):
            precondition(ack == [13, 0], "an ACK is the empty packet")
        default:
            break
        }
    }
    // Our two ends agree on any message and fragment size.
    let message = Array(data.dropFirst())
    var sender = EAPTLSFraming(type: 25, fragmentSize: 1 + Int(first), version: first)
    var peer = EAPTLSFraming(
        type: 25, fragmentSize: 7, limits: EAPTLSLimits(maxMessageLength: 1 << 20, maxFragments: 1 << 20),
        version: first)
    var packet = sender.send(message)
    for _ in 0...(message.count + 1) {
        guard let event = try? peer.receive(packet[...]) else {
            preconditionFailure("our own fragments did not reassemble")
        }
        switch event {
        case .message(let whole):
            precondition(whole == message, "round trip changed the message")
            return
        case .acknowledge(let ack):
            guard case .sendNext(let next)? = try? sender.receive(ack[...]) else {
                preconditionFailure("our sender refused our ACK")
            }
            packet = next
        default:
            preconditionFailure("unexpected event \(event)")
        }
    }
    preconditionFailure("the round trip did not end")
}

/// PEAP TLV lists and the EAP TLV Extensions message (MS-PEAP 2.2.4,
/// 2.2.8.1), and inner packet (de)compression.
public func fuzzPEAPTLV(_ data: [UInt8]) {
    if let tlvs = try? PEAPTLV.parseList(data[...]) {
        // The R bit is ignored on receipt (MS-PEAP 2.2.4), so compare parses.
        let again = try? PEAPTLV.parseList(PEAPTLV.serialize(tlvs)[...])
        precondition(again == tlvs, "TLV list round trip changed it")
    }
    if let message = try? PEAPExtensionsMessage(parsing: data[...]) {
        let again = try? PEAPExtensionsMessage(parsing: message.typeAndData.dropFirst())
        precondition(again == message, "Extensions message round trip changed it")
    }
    let code = data.first ?? 1
    let whole = PEAPInnerPacket.decompress(data, outerCode: code, outerIdentifier: 1)
    _ = PEAPInnerPacket.compress(whole)
}

/// RADIUS packets (RFC 2865 §3, §5) with the RFC 3579 and RFC 2548 checks a
/// relay runs on what a RADIUS server sends.
public func fuzzRADIUSPacket(_ data: [UInt8]) {
    let secret: [UInt8] = Array("fuzz-secret".utf8)
    let authenticator = [UInt8](repeating: 0x5A, count: 16)
    guard let packet = try? RADIUSPacket(parsing: data[...]) else { return }
    if let wire = try? packet.serialized() {
        precondition((try? RADIUSPacket(parsing: wire[...])) == packet, "RADIUS round trip changed the packet")
    }
    _ = try? RADIUSEAP.eapPacket(of: packet)
    _ = try? RADIUSEAP.interpret(data[...], requestAuthenticator: authenticator, secret: secret)
    _ = try? RADIUSAuthentication.verifyRequest(data[...], secret: secret)
    for attribute in RADIUSMPPEKey.microsoftAttributes(of: packet) {
        _ = try? RADIUSMPPEKey.decrypt(attribute.data, secret: secret, requestAuthenticator: authenticator)
    }
    for hidden in packet.values(of: RADIUSAttributeType.userPassword) {
        _ = try? RADIUSAuthentication.revealPassword(hidden, secret: secret, requestAuthenticator: authenticator)
    }
}
