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

/// A TLS engine that accepts anything: its handshake completes on the
/// second message it gets, bytes after that are application data, and a
/// message starting with 0xFF fails it. Lets the fuzzer drive the peers.
struct FuzzTLSEngine: EAPTLSEngine {
    var version: EAPTLSVersion
    var received = 0
    var pending: [UInt8] = []
    var isHandshakeComplete: Bool { received >= 2 }
    var receivedCloseNotify = false
    var negotiatedVersion: EAPTLSVersion? { received > 0 ? version : nil }

    mutating func startHandshake() throws(EAPTLSEngineFailure) -> [UInt8] { [0x16, 0x03, 0x01] }

    mutating func receive(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] {
        if bytes.first == 0xFF {
            throw EAPTLSEngineFailure(kind: .handshakeFailed, detail: "fuzz", alert: [0x15, 0x03, 0x03])
        }
        if bytes.first == 0x15 { receivedCloseNotify = true }
        received += 1
        if received > 2 { pending += bytes }
        return received <= 2 ? Array(bytes.prefix(3)) : []
    }

    mutating func takeApplicationData() -> [UInt8] {
        defer { pending = [] }
        return pending
    }

    mutating func sendApplicationData(_ bytes: [UInt8]) throws(EAPTLSEngineFailure) -> [UInt8] { [0x17] + bytes }

    func exportKeyingMaterial(label: String, context: [UInt8]?, length: Int) throws(EAPTLSEngineFailure)
        -> [UInt8]
    {
        [UInt8](repeating: UInt8(truncatingIfNeeded: label.utf8.count), count: length)
    }
}

/// The EAP-TLS and PEAP peers on events from the bytes: 0 is EAP-Success,
/// 1 EAP-Failure, anything else a Request with the next byte as Identifier
/// and a length byte then that many bytes of Flags onward. After the
/// first failure or success a peer must go quiet.
public func fuzzEAPPeers(_ data: [UInt8]) {
    guard let first = data.first else { return }
    let version: EAPTLSVersion = first & 1 == 0 ? .tls12OrEarlier : .tls13
    var tls = EAPTLSPeer(engine: FuzzTLSEngine(version: version), fragmentSize: 1 + Int(first >> 2))
    var peap = PEAPPeer(
        engine: FuzzTLSEngine(version: version), identity: "fuzz", userName: "fuzz", password: "fuzz",
        random: SeededPPPRandom(seed: UInt64(first)), requireCryptobinding: first & 2 != 0)
    var rest = data.dropFirst()
    while let tag = rest.first {
        rest = rest.dropFirst()
        let tlsEvent: EAPTLSPeerEvent
        let peapEvent: EAPTLSPeerEvent
        switch tag {
        case 0:
            (tlsEvent, peapEvent) = (.success, .success)
        case 1:
            (tlsEvent, peapEvent) = (.failure, .failure)
        default:
            let identifier = rest.first ?? 0
            let length = Int(rest.dropFirst().first ?? 0)
            let body = Array(rest.dropFirst(2).prefix(length))
            rest = rest.dropFirst(2 + length)
            (tlsEvent, peapEvent) = (
                .request(identifier: identifier, typeAndData: [13] + body),
                .request(identifier: identifier, typeAndData: [25] + body)
            )
        }
        let wasDone = (tls.isFinished, peap.isFinished)
        let tlsActions = tls.handle(tlsEvent)
        let peapActions = peap.handle(peapEvent)
        precondition(!wasDone.0 || tlsActions.isEmpty, "EAP-TLS peer acted after it finished")
        precondition(!wasDone.1 || peapActions.isEmpty, "PEAP peer acted after it finished")
    }
}
